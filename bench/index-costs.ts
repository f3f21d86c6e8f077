// What each index of `notifications` costs a 50,000-row send, on PostgreSQL: the quick data set
// seeded, then one 50,000-row insert shaped as a send's (one message, one time, an event number)
// with every index, with each of the nine that an unread row enters dropped in turn, and with
// none; and the send's own statements (ten chunks of 5,000, with the preference join and the
// recipients' upsert) beside the bench's raw insert. Each runs in a transaction rolled back (the
// dropped index comes back), then VACUUM. Reports the median of the backend's CPU time (read from
// /proc/<pid>/stat when the server runs on this machine; a loaded machine's wall time says little),
// the wall time, and the WAL (EXPLAIN (ANALYZE, WAL)): full-page images appear after a checkpoint.
// Usage: node --import tsx bench/index-costs.ts [--rounds 3] [--checkpoint]
// (HERALD_BENCH_SCHEMA names the schema it builds and drops, as for the bench.)
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { SIZES, seed, TENANT, userId } from './seed.ts'
import { BENCH_SCHEMA, PG_URL, startServer } from './server.ts'

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, checkpoint: { type: 'boolean' } },
})

/** The nine indexes an unread, undismissed, ungrouped row enters, and how to drop each. */
const DROP: Record<string, string> = {
  primary: 'ALTER TABLE notifications DROP CONSTRAINT notifications_pkey',
  uuid: 'DROP INDEX notifications_uuid',
  inbox: 'DROP INDEX notifications_inbox',
  unread: 'DROP INDEX notifications_unread',
  unseen: 'DROP INDEX notifications_unseen',
  seq: 'DROP INDEX notifications_seq',
  open_seq: 'DROP INDEX notifications_open_seq',
  message: 'DROP INDEX notifications_message',
  age: 'DROP INDEX notifications_age',
}

const RECIPIENTS = 50_000
const CHUNK = 5_000
const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => userId(from + i))

// The send's chunk statement (storage/send-store.ts, insertChunk) for a type nobody muted.
const SEND_CHUNK = `WITH cat AS (SELECT name, in_app FROM preference_categories
    WHERE tenant_id = $3 AND $4::text = ANY(types) ORDER BY name LIMIT 1),
  dflt AS (SELECT coalesce((SELECT in_app FROM tenant_preferences
    WHERE tenant_id = $3 AND type = $4), (SELECT in_app FROM cat), true) AS in_app),
  known AS (INSERT INTO recipients (tenant_id, user_id)
    SELECT $3, u FROM unnest($1::text[]) AS u ON CONFLICT DO NOTHING)
  INSERT INTO notifications (tenant_id, recipient_id, message_id, type, created_at, seen_at,
    read_at, archived_at, snoozed_until, expires_at, group_key, last_action_at, seq)
  SELECT $3, r, $5, $4, $2, null, null, null, null, null, null, null, $6
  FROM unnest($1::text[]) AS r LEFT JOIN (
    SELECT DISTINCT ON (user_id) user_id, in_app FROM user_preferences
    WHERE tenant_id = $3 AND ((kind = 'type' AND name = $4)
      OR (kind = 'category' AND name = (SELECT name FROM cat)))
    ORDER BY user_id, kind DESC) pref ON pref.user_id = r
  WHERE coalesce(pref.in_app, (SELECT in_app FROM dflt))`

const s = await startServer('postgres')
const c = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${BENCH_SCHEMA}` })
try {
  await seed(s.herald.storage.db, SIZES.quick)
  await c.connect()
  const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
  const stat = `/proc/${rows[0]?.pid}/stat`
  // utime + stime, in clock ticks (10 ms); null when the server is elsewhere.
  const cpu = (): number | null => {
    try {
      const f = readFileSync(stat, 'utf8').split(') ')[1]?.split(' ') ?? []
      return (Number(f[11]) + Number(f[12])) * 10
    } catch {
      return null
    }
  }
  const message = 1_000_000_000
  const insert = `EXPLAIN (ANALYZE, WAL, TIMING OFF, FORMAT JSON)
    INSERT INTO notifications (tenant_id, recipient_id, message_id, type, created_at, seq)
    SELECT $1, 'u' || lpad(k::text, 5, '0'), ${message}, 'announcement', now(), ${message}
    FROM generate_series(1, ${RECIPIENTS}) k`
  interface Run {
    cpu: number | null
    wall: number
    fpi: number | null
    wal: number | null
  }
  const plan = (r: pg.QueryResult) =>
    (r.rows[0] as { 'QUERY PLAN': Array<{ Plan: Record<string, number> }> })['QUERY PLAN'][0]
      ?.Plan ?? {}
  const variants: Record<string, () => Promise<Pick<Run, 'fpi' | 'wal'>>> = {}
  const dropped = async (drops: string[]) => {
    for (const d of drops) await c.query(d)
    const p = plan(await c.query(insert, [TENANT]))
    return { fpi: p['WAL FPI'] ?? null, wal: p['WAL Bytes'] ?? null }
  }
  variants['every index'] = () => dropped([])
  for (const [name, drop] of Object.entries(DROP))
    variants[`without ${name}`] = () => dropped([drop])
  variants['no index'] = async () => {
    const { rows } = await c.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes
      WHERE schemaname = current_schema() AND tablename = 'notifications'
        AND indexname <> 'notifications_pkey'`)
    return dropped([...rows.map((r) => `DROP INDEX ${r.indexname}`), DROP.primary ?? ''])
  }
  variants['raw insert (the bench row)'] = async () => {
    await c.query(
      `INSERT INTO notifications (tenant_id, recipient_id, message_id, type, created_at)
      SELECT $1, 'u' || lpad(k::text, 5, '0'), ${message}, 'comment', $2
      FROM generate_series(1, ${RECIPIENTS}) k`,
      [TENANT, new Date()],
    )
    return { fpi: null, wal: null }
  }
  variants["the send's ten chunks"] = async () => {
    const at = new Date()
    for (let i = 1; i <= RECIPIENTS; i += CHUNK) {
      await c.query({
        name: 'chunk',
        text: SEND_CHUNK,
        values: [ids(i, CHUNK), at, TENANT, 'announcement', message, message],
      })
    }
    return { fpi: null, wal: null }
  }
  // The send's recipients are known (as for every send after the first).
  await c.query(
    `INSERT INTO recipients (tenant_id, user_id) SELECT $1, u FROM unnest($2::text[]) u
    ON CONFLICT DO NOTHING`,
    [TENANT, ids(1, RECIPIENTS)],
  )
  await c.query('VACUUM ANALYZE notifications')
  const runs: Record<string, Run[]> = {}
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [name, run] of Object.entries(variants)) {
      if (values.checkpoint) await c.query('CHECKPOINT')
      await c.query('BEGIN')
      const c0 = cpu()
      const w0 = performance.now()
      const wal = await run()
      const c1 = cpu()
      const wall = performance.now() - w0
      await c.query('ROLLBACK')
      await c.query('VACUUM notifications')
      const list = runs[name] ?? []
      list.push({ cpu: c0 === null || c1 === null ? null : c1 - c0, wall, ...wal })
      runs[name] = list
    }
    console.error(`round ${round + 1} done`)
  }
  const median = (v: Array<number | null>) => {
    const xs = v.filter((x): x is number => x !== null).sort((a, b) => a - b)
    return xs.length === 0 ? null : (xs[Math.floor(xs.length / 2)] ?? null)
  }
  const every = median((runs['every index'] ?? []).map((r) => r.cpu))
  console.log(
    `${'50,000 rows, median of'.padEnd(30)} ${values.rounds} rounds   cpu ms  saves   wall ms   FPI   WAL MB`,
  )
  for (const [name, list] of Object.entries(runs)) {
    const cpuMs = median(list.map((r) => r.cpu))
    const wal = median(list.map((r) => r.wal))
    console.log(
      [
        name.padEnd(38),
        String(cpuMs ?? '-').padStart(8),
        String(every !== null && cpuMs !== null ? every - cpuMs : '-').padStart(6),
        (median(list.map((r) => r.wall))?.toFixed(0) ?? '-').padStart(9),
        String(median(list.map((r) => r.fpi)) ?? '-').padStart(6),
        (wal === null ? '-' : (wal / 1e6).toFixed(1)).padStart(8),
      ].join(' '),
    )
  }
} finally {
  await c.end().catch(() => {})
  await s.close()
}
