import pg from 'pg'
import type { LoadRequest } from './load.ts'
import type { RawRequest, RawStatement, RawValue } from './raw.ts'

type Query = (...args: unknown[]) => unknown

const NOW_WINDOW_MS = 60_000

/** ISO text as Herald sends the clock's time (see compiled.ts), besides Date parameters. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

/** A JSON document given as one text parameter (a queued send's input), parsed; else null. */
function parsedJson(v: unknown): { $json: unknown } | null {
  if (typeof v !== 'string' || !/^[[{]/.test(v)) return null
  try {
    return { $json: JSON.parse(v) }
  } catch {
    return null
  }
}

function encode(v: unknown, now: number): RawValue {
  if (v instanceof Date) {
    return Math.abs(v.getTime() - now) < NOW_WINDOW_MS ? { $now: true } : v.toISOString()
  }
  if (typeof v === 'string' && ISO_TIME.test(v) && Math.abs(Date.parse(v) - now) < NOW_WINDOW_MS) {
    return { $now: true, iso: true }
  }
  if (Array.isArray(v)) return v.map((x) => encode(x, now))
  return parsedJson(v) ?? v
}

/** Whether a value, or any value inside it (an array's, a JSON document's), is one of `needles`. */
const mentions = (v: unknown, needles: ReadonlySet<unknown>): boolean => {
  if (Array.isArray(v)) return v.some((x) => mentions(x, needles))
  if (typeof v === 'object' && v !== null) {
    return Object.values(v).some((x) => mentions(x, needles))
  }
  return needles.has(v)
}

/**
 * The statements one HTTP request makes Herald send to PostgreSQL, as `pg` receives them
 * (Kysely's compiled SQL and its parameters, BEGIN and COMMIT included), grouped by pool
 * checkout. A spy on `pg.Pool.prototype.connect` for the length of one request: every client
 * checked out meanwhile records its queries until released. Checkouts by background work (the
 * scheduler, the clean-up) are left out: only those whose parameters mention one of `needles`
 * (the user's id, the notification's id) are the request's.
 */
export async function captureRequest(
  url: string,
  req: LoadRequest,
  needles: ReadonlySet<unknown>,
): Promise<RawRequest> {
  const proto = pg.Pool.prototype as unknown as { connect: (...a: unknown[]) => Promise<unknown> }
  const connect = proto.connect
  const checkouts: RawStatement[][] = []
  const now = Date.now()
  proto.connect = async function (this: pg.Pool, ...args: unknown[]) {
    if (args.length > 0) return connect.apply(this, args)
    const client = (await connect.call(this)) as { query: Query; release: Query }
    const statements: RawStatement[] = []
    checkouts.push(statements)
    const { query, release } = client
    client.query = (text: unknown, values?: unknown, ...rest: unknown[]) => {
      if (typeof text === 'string') {
        const vals = Array.isArray(values) ? values : []
        statements.push({ text, values: vals.map((v) => encode(v, now)) })
      }
      return query.call(client, text, values, ...rest)
    }
    client.release = (...a: unknown[]) => {
      client.query = query
      client.release = release
      return release.apply(client, a)
    }
    return client
  }
  try {
    const res = await fetch(new URL(req.path, url), {
      method: req.method,
      headers: req.headers,
      body: req.body,
    })
    await res.arrayBuffer()
    if (!res.ok) throw new Error(`capturing ${req.method} ${req.path}: ${res.status}`)
  } finally {
    proto.connect = connect
  }
  const mine = checkouts.filter((c) => c.some((s) => mentions(s.values, needles)))
  if (mine.length === 0) throw new Error(`capturing ${req.method} ${req.path}: no statements seen`)
  return mine
}

const swap = (v: RawValue, map: ReadonlyMap<unknown, unknown>): RawValue => {
  if (Array.isArray(v)) return v.map((x) => swap(x, map))
  if (typeof v === 'object' && v !== null && '$json' in v) {
    return { $json: swapDeep((v as { $json: unknown }).$json, map) }
  }
  return map.has(v) ? map.get(v) : v
}

const swapDeep = (v: unknown, map: ReadonlyMap<unknown, unknown>): unknown => {
  if (Array.isArray(v)) return v.map((x) => swapDeep(x, map))
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, swapDeep(x, map)]))
  }
  return map.has(v) ? map.get(v) : v
}

/** The same statements for another user (or notification): each mapped value swapped. */
export const substitute = (req: RawRequest, map: ReadonlyMap<unknown, unknown>): RawRequest =>
  req.map((checkout) =>
    checkout.map((s) => ({ text: s.text, values: s.values.map((v) => swap(v, map)) })),
  )
