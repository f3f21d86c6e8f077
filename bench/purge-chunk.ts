// How long one chunk of the retention purge holds the store: a 50,000-notification inbox on a
// fresh embedded store (fsync on, as by default), half read, spread over 100 days, then each kind
// of purge run a chunk at a time until done, with every chunk timed. On PGlite the store runs one
// statement at a time, so a chunk's time is the longest any request waits behind the purge.
// Usage: node --import tsx bench/purge-chunk.ts [--inbox 50000] [--chunk 1000] [--engine pglite|postgres]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { sql } from 'kysely'
import { loadConfig } from '../src/config.ts'
import type { PurgeKind } from '../src/core/store.ts'
import { buildHerald } from '../src/server.ts'
import { purge } from '../src/storage/retention-store.ts'
import { quantile } from './load.ts'

const { values } = parseArgs({
  options: {
    inbox: { type: 'string', default: '50000' },
    chunk: { type: 'string', default: '1000' },
    engine: { type: 'string', default: 'pglite' },
  },
})
const inbox = Number(values.inbox)
const chunk = Number(values.chunk)
const dir = mkdtempSync(join(tmpdir(), 'herald-purge-bench-'))
const schema = `bench_purge_${process.pid}`
const pg = values.engine === 'postgres'
const url = process.env.HERALD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const h = await buildHerald({
  config: loadConfig({
    HERALD_DATA_DIR: dir,
    HERALD_JWT_SECRET: 'bench-secret-0123456789-abcdefghijklmnop',
    ...(pg ? { DATABASE_URL: url } : {}),
  }),
  ...(pg ? { schema } : {}),
})
const db = h.storage.db
try {
  // One tenant, one user, `inbox` notifications over the last 100 days; every other one read.
  await h.core.sender.send('bench', { to: { users: ['alice'] }, type: 't', title: 'seed' })
  await sql`INSERT INTO notifications (tenant_id, recipient_id, message_id, type, created_at,
      read_at, expires_at)
    SELECT 'bench', 'alice', (SELECT min(id) FROM messages WHERE tenant_id = 'bench'), 't',
      now() - (i * interval '100 days' / ${inbox}),
      CASE WHEN i % 2 = 0 THEN now() - (i * interval '100 days' / ${inbox}) END,
      CASE WHEN i % 10 = 0 THEN now() - interval '1 hour' END
    FROM generate_series(1, ${inbox}) i`.execute(db)
  await sql`ANALYZE notifications`.execute(db)
  await h.core.retention.set('bench', { readDays: 30, allDays: 60 })
  console.log(`${values.engine}: ${inbox} notifications in one inbox, chunk ${chunk}`)
  for (const kind of ['expired', 'read', 'old'] as PurgeKind[]) {
    const times: number[] = []
    let deleted = 0
    for (;;) {
      const t = performance.now()
      const rows = await purge(db, kind, { tenantId: null, now: new Date(), chunk })
      times.push(performance.now() - t)
      deleted += rows.length
      if (rows.length < chunk) break
    }
    times.sort((a, b) => a - b)
    const ms = (v: number) => `${v.toFixed(1)} ms`
    console.log(
      `${kind.padEnd(8)} deleted ${String(deleted).padStart(6)} in ${times.length} chunks: ` +
        `p50 ${ms(quantile(times, 0.5))}, max ${ms(times[times.length - 1] ?? 0)}`,
    )
  }
} finally {
  if (pg) await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(db)
  await h.close()
  rmSync(dir, { recursive: true, force: true })
}
