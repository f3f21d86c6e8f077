import { createHash } from 'node:crypto'
import pg from 'pg'
import { type CpuWatch, withCpu } from './cpu.ts'
import { type LoadResult, summarise } from './load.ts'

/**
 * A value of a captured statement as it travels to the child: a time within a minute of the
/**
 * A value of a captured statement as it travels to the child: a time within a minute of the
 * capture (a Date, or the ISO text Herald sends the clock's time as) is "now" and is taken afresh,
 * in the same form, for each run of the statement (a count's `expires_at > now`, a send's
 * `created_at`); any other time (a cursor's) is kept as it was. A JSON document (the input of a
 * queued send) travels parsed, so the user in it can be swapped, and is sent as its text again.
 */
export type RawValue = unknown | { $now: true; iso?: true } | { $json: unknown }

export interface RawStatement {
  text: string
  values: RawValue[]
}

/** One request's statements, grouped by the pool connection Herald ran them on, in order. */
export type RawRequest = RawStatement[][]

export interface RawSpec {
  mode: 'raw'
  /** PostgreSQL, with the schema Herald ran in first on the search path. */
  url: string
  schema?: string
  /** Herald's pool size: the same number of sessions. */
  poolSize: number
  connections: number
  seconds: number
  warmupSeconds: number
  amount?: number
  /** Each loop picks one at random, as the HTTP load picks a request. */
  requests: RawRequest[]
  /** The pool's connections are named `cpu.appName`, whose backends' CPU time is read. */
  cpu?: CpuWatch
}

// Herald's own rule (storage/db.ts): a statement with parameters is a named prepared statement
// named by its text's hash; one without (BEGIN, COMMIT) is sent unnamed.
const statementName = (text: string) => `h${createHash('sha1').update(text).digest('hex')}`

// The time in the form Herald sent it (a Date, or its ISO text); a JSON document as its text.
const value = (v: RawValue): unknown => {
  if (typeof v !== 'object' || v === null) return v
  if ('$now' in v) return 'iso' in v ? new Date().toISOString() : new Date()
  if ('$json' in v) return JSON.stringify(v.$json)
  return v
}

async function runRequest(pool: pg.Pool, req: RawRequest): Promise<void> {
  for (const checkout of req) {
    const client = await pool.connect()
    try {
      for (const s of checkout) {
        if (s.values.length === 0) await client.query(s.text)
        else {
          const values = s.values.map(value)
          await client.query({ name: statementName(s.text), text: s.text, values })
        }
      }
      client.release()
    } catch (err) {
      // A transaction left open on a failed statement must not go back to the pool.
      client.release(err as Error)
      throw err
    }
  }
}

async function loops(pool: pg.Pool, spec: RawSpec, seconds: number): Promise<LoadResult> {
  const times: number[] = []
  let bad = 0
  const start = performance.now()
  const end = start + seconds * 1000
  let started = 0
  const more = () => (spec.amount === undefined ? performance.now() < end : started < spec.amount)
  const loop = async () => {
    while (more()) {
      started++
      const req = spec.requests[Math.floor(Math.random() * spec.requests.length)]
      const t0 = performance.now()
      try {
        if (req) await runRequest(pool, req)
      } catch {
        bad++
      }
      times.push(performance.now() - t0)
    }
  }
  await Promise.all(Array.from({ length: spec.connections }, loop))
  const elapsed = (performance.now() - start) / 1000
  return summarise(times, elapsed, bad)
}

const int8 = (v: string): number => Number.parseInt(v, 10)

/**
 * Herald's statements for a request, driven straight through `pg` at the same concurrency over
 * a pool of Herald's size: what the database alone allows, to set Herald's rate against.
 */
export async function runRaw(spec: RawSpec): Promise<LoadResult> {
  const pool = new pg.Pool({
    connectionString: spec.url,
    max: spec.poolSize,
    ...(spec.cpu?.appName ? { application_name: spec.cpu.appName } : {}),
    ...(spec.schema ? { options: `-c search_path=${spec.schema}` } : {}),
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? int8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  })
  pool.on('error', () => {})
  try {
    if (spec.warmupSeconds > 0) await loops(pool, spec, spec.warmupSeconds)
    return await withCpu(spec.cpu, () => loops(pool, spec, spec.seconds))
  } finally {
    await pool.end()
  }
}
