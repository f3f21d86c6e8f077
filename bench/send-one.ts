// `node --import tsx bench/send-one.ts [--rounds 3] [--seconds 4]`: the "send to one recipient"
// row alone, against the single-row commit limit, on PostgreSQL, round after round on one
// server: each round the sends at c=50 (as the bench's row: one tenant, random recipients), then
// single-row commits from 10 sessions, then the ratio, the CPU split per send, and how many sends
// each of the send queue's statements carried.
import pg from 'pg'
import { PACES } from './bench.ts'
import { prepareFixtures } from './fixtures.ts'
import { singleRowCommits } from './limits.ts'
import { endpointRequests, measure } from './phases.ts'
import { SIZES, seed } from './seed.ts'
import { startServer } from './server.ts'

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const rounds = arg('rounds', 3)
const seconds = arg('seconds', 4)

// The queue's statements, seen from the client: the shared send statement's JSON parameter
// holds one record per send.
const batches = new Map<number, number>()
const took: number[] = []
const query = pg.Client.prototype.query as (...a: unknown[]) => unknown
pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
  const q = a[0] as { text?: string; values?: unknown[] } | string
  const text = typeof q === 'string' ? q : q?.text
  const values = (typeof q === 'string' ? a[1] : q?.values) as unknown[] | undefined
  if (text?.includes('jsonb_to_recordset') && typeof values?.[0] === 'string') {
    const n = (JSON.parse(values[0]) as unknown[]).length
    batches.set(n, (batches.get(n) ?? 0) + 1)
    const t0 = performance.now()
    const out = query.apply(this, a) as Promise<unknown>
    void out.then(() => took.push(performance.now() - t0)).catch(() => {})
    return out
  }
  return query.apply(this, a)
} as typeof pg.Client.prototype.query

const pct = (xs: number[], q: number) =>
  ([...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))] ?? Number.NaN).toFixed(1)
const fmt = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(3))
const s = await startServer('postgres')
try {
  await seed(s.herald.storage.db, SIZES.quick)
  const f = await prepareFixtures(s, SIZES.quick, 1_000)
  const requests = endpointRequests(f).sendOne
  const pace = { ...PACES.quick, seconds }
  for (let r = 1; r <= rounds; r++) {
    batches.clear()
    took.length = 0
    const sent = await measure(s.url, pace, requests, false)
    const seen = [...batches.entries()].sort((a, b) => a[0] - b[0])
    const statements = seen.reduce((n, [, c]) => n + c, 0)
    const sends = seen.reduce((n, [k, c]) => n + k * c, 0)
    const commits = await singleRowCommits(s.herald.storage.db, seconds / 2, 10)
    const c = sent.cpu
    console.log(
      `round ${r}: send to one ${sent.rps.toFixed(0)} req/s (p50 ${sent.p50} ms, p99 ${sent.p99} ms), ` +
        `commits ${commits.perSecond.toFixed(0)}/s, ratio ${(sent.rps / commits.perSecond).toFixed(2)}×; ` +
        `CPU ms per send: server ${fmt(c?.server)}, database ${fmt(c?.database)}, load ${fmt(c?.load)}; ` +
        `sends per statement ${(sends / Math.max(1, statements)).toFixed(1)} ` +
        `(${seen.map(([k, n]) => `${k}:${n}`).join(' ')}); statement ms p50 ${pct(took, 0.5)} p90 ${pct(took, 0.9)}`,
    )
  }
} finally {
  await s.close()
}
