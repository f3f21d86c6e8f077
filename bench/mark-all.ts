// "Mark all read" for the heavy user alone, without the full run's other users and loads: the
// heavy user's `heavy` unread notifications are seeded once, then each round deletes their read
// mark (a mark-all writes nothing else to rows that were all unread), times one mark-all through
// HTTP and the counts right after it, one request at a time. A first round warms up, untimed.
//
//   HERALD_BENCH_SCHEMA=bench_<you> node --import tsx bench/mark-all.ts [postgres|pglite] [heavy] [rounds] [--exact] [--others N]
//
// `--others N` seeds N other users beside the heavy one, as the full set has them (10 to 250
// notifications each, 70 % read): the planner then chooses as it does in the full run, where the
// heavy user alone in the tenant can make it take another index.
// It uses only the HTTP API, so the same file runs against an older checkout for an A/B;
// `--exact` then times the store's statement counting to the cap and exactly, in turn.
import { sql } from 'kysely'
import { markAll } from './bulk.ts'
import { HEAVY_USER, SIZES, seed, TENANT } from './seed.ts'
import { type EngineName, startServer } from './server.ts'

const engine = (process.argv[2] ?? 'postgres') as EngineName
const heavy = Number(process.argv[3] ?? 100_000)
const rounds = Number(process.argv[4] ?? 5)
const COUNTS_PER_ROUND = 200
const othersAt = process.argv.indexOf('--others')
const others = othersAt > 0 ? Number(process.argv[othersAt + 1]) : 0

const s = await startServer(engine)
try {
  const db = s.herald.storage.db
  await seed(db, { ...SIZES.full, users: 1 + others, heavy, messages: heavy })
  const token = await s.token(HEAVY_USER)
  const headers = { authorization: `Bearer ${token}` }
  const ms: number[] = []
  const p99s: number[] = []
  for (let r = -1; r < rounds; r++) {
    await sql`DELETE FROM read_marks WHERE tenant_id = ${TENANT} AND user_id = ${HEAVY_USER}`.execute(
      db,
    )
    const all = await markAll(s.url, token)
    const counts: number[] = []
    for (let i = 0; i < COUNTS_PER_ROUND; i++) {
      const started = performance.now()
      const res = await fetch(`${s.url}/v1/me/counts?cap=99`, { headers })
      const body = (await res.json()) as { counts: { unread: number } }
      counts.push(performance.now() - started)
      if (body.counts.unread !== 0) throw new Error(`unread after mark-all: ${body.counts.unread}`)
    }
    counts.sort((a, b) => a - b)
    const p99 = counts[Math.ceil(counts.length * 0.99) - 1] ?? Number.NaN
    const p50 = counts[Math.floor(counts.length / 2)] ?? Number.NaN
    if (r < 0) continue
    ms.push(all.seconds * 1000)
    p99s.push(p99)
    console.log(
      `round ${r + 1}: mark all ${(all.seconds * 1000).toFixed(1)} ms (${all.rows} unread); counts right after p50 ${p50.toFixed(2)}, p99 ${p99.toFixed(2)} ms at c=1`,
    )
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
  console.log(
    `${engine}, ${heavy.toLocaleString('en-US')} unread: mark all median ${median(ms).toFixed(1)} ms, counts p99 median ${median(p99s).toFixed(2)} ms`,
  )
  if (process.argv.includes('--exact')) await exactAgainstCapped(rounds)
} finally {
  await s.close()
}

/**
 * The store's statement itself, counting to the cap (the native reply) and exactly (Ondi's),
 * in alternation: what the exact count costs. Needs this checkout's store (a `cap` argument).
 */
async function exactAgainstCapped(n: number) {
  const { markAllRead } = await import('../src/storage/read-mark-store.ts')
  const db = s.herald.storage.db
  const keep = { dismissed: true, snoozed: true }
  const times: Record<'capped' | 'exact', number[]> = { capped: [], exact: [] }
  for (let r = -1; r < n; r++) {
    for (const kind of ['capped', 'exact'] as const) {
      await sql`DELETE FROM read_marks WHERE tenant_id = ${TENANT} AND user_id = ${HEAVY_USER}`.execute(
        db,
      )
      const scope = { tenantId: TENANT, userId: HEAVY_USER, now: new Date() }
      const started = performance.now()
      const read = await markAllRead(db, scope, keep, kind === 'capped' ? 99 : null)
      if (r >= 0) times[kind].push(performance.now() - started)
      if (r === 0) console.log(`  ${kind}: counted ${read}`)
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
  console.log(
    `through the store, alternating: capped median ${med(times.capped).toFixed(1)} ms [${times.capped.map((t) => t.toFixed(1)).join(', ')}], exact ${med(times.exact).toFixed(1)} ms [${times.exact.map((t) => t.toFixed(1)).join(', ')}]`,
  )
}
