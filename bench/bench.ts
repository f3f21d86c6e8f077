import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { sql } from 'kysely'
import pg from 'pg'
import { bigSend, deleteBefore, markAll, mutedSends } from './bulk.ts'
import { prepareFixtures } from './fixtures.ts'
import { rawInsert, singleRowCommits } from './limits.ts'
import {
  type EndpointName,
  type EndpointResult,
  endpointRequests,
  measure,
  type Pace,
  PROBE_ONLY,
  PROBED,
  pollRequests,
} from './phases.ts'
import { measureRaw, RAW_ROWS, type RawRowName } from './raw-rows.ts'
import type { BenchResult } from './report.ts'
import { SIZES, seed } from './seed.ts'
import { type BenchServer, type EngineName, PG_URL, startServer } from './server.ts'

export type SizeName = keyof typeof SIZES

export const PACES: Record<'full' | 'quick' | 'smoke', Pace> = {
  full: { connections: 50, seconds: 10, warmupSeconds: 2, probeSeconds: 3 },
  quick: { connections: 50, seconds: 3, warmupSeconds: 1, probeSeconds: 1 },
  // Counted, not timed: every load makes exactly `amount` requests however slow the machine is.
  smoke: {
    connections: 5,
    seconds: 0.2,
    warmupSeconds: 0,
    probeSeconds: 0.1,
    amount: 10,
    inProcess: true,
  },
}

export interface BenchOptions {
  engine: EngineName
  size: SizeName
  pace: Pace
  /** Recipients of the bulk send (50,000 in the issue). */
  bulkRecipients: number
  log?: (line: string) => void
}

/** The order matters: reads first, then writes that add rows, then the bulk operations. */
const LOAD_ORDER: EndpointName[] = [
  'baseline',
  'unreadCount',
  'notModifiedPoll',
  'firstPage',
  'heavyFirstPage',
  'deepPage',
  'keysetPageN',
  'offsetPage1',
  'offsetPageN',
  'markOneRead',
  'sendOne',
]

const rssMb = () => process.memoryUsage().rss / 1024 / 1024

async function versions(s: BenchServer): Promise<BenchResult['machine']> {
  const pkg = new URL('../node_modules/@electric-sql/pglite/package.json', import.meta.url)
  const pglite = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version
  const { rows } = await sql<{ v: string }>`SELECT current_setting('server_version') AS v`.execute(
    s.herald.storage.db,
  )
  const embedded = rows[0]?.v ?? '?'
  let postgres = embedded
  if (s.engine === 'pglite') {
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 })
    postgres = await c
      .connect()
      .then(() => c.query<{ v: string }>("SELECT current_setting('server_version') AS v"))
      .then((r) => r.rows[0]?.v ?? '?')
      .catch(() => 'not reachable')
      .finally(() => c.end().catch(() => {}))
  }
  return {
    cpus: cpus().length,
    node: process.version,
    postgres,
    pglite: s.engine === 'pglite' ? `${pglite} (PostgreSQL ${embedded} inside)` : pglite,
  }
}

/** One full benchmark on one engine: seed, load every endpoint, limits, bulk operations. */
export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const log = o.log ?? (() => {})
  const size = SIZES[o.size]
  const s = await startServer(o.engine)
  try {
    const db = s.herald.storage.db
    log(`seeding ${o.size} data set on ${o.engine}…`)
    const seeded = await seed(db, size)
    log(`  ${seeded.notifications} notifications in ${seeded.seconds.toFixed(1)} s`)
    const f = await prepareFixtures(s, size, 2_000)
    const mix = endpointRequests(f)
    const endpoints: BenchResult['endpoints'] = {}
    const direct: NonNullable<BenchResult['raw']> = {}
    const run = async (name: EndpointName) => {
      log(`  load: ${name}`)
      const poll = name === 'notModifiedPoll'
      endpoints[name] = await measure(
        s.url,
        o.pace,
        poll ? await pollRequests(s.url, f) : mix[name],
        PROBED.has(name),
        PROBE_ONLY.has(name),
        poll ? 304 : undefined,
      )
      // Right after the HTTP row, the same statements straight through pg (PostgreSQL only).
      if (o.engine === 'postgres' && RAW_ROWS.includes(name as RawRowName)) {
        log(`  raw SQL: ${name}`)
        direct[name as RawRowName] = await measureRaw(s, f, mix, name as RawRowName, o.pace)
      }
    }
    for (const name of LOAD_ORDER) await run(name)
    const afterLoad = rssMb()
    log('  limits: single-row commits, raw insert')
    const sessions = o.engine === 'postgres' ? 10 : 1
    const commits = await singleRowCommits(db, o.pace.seconds / 2, sessions)
    const raw = await rawInsert(db, o.bulkRecipients)
    log('  bulk: send, mark all, delete')
    const send = await bigSend(s.url, f.apiKey, o.bulkRecipients)
    log('  bulk: sends with and without a tenth of the recipients muted')
    const muted = await mutedSends(s.url, f.apiKey, db, o.bulkRecipients)
    const all = await markAll(s.url, f.heavyToken)
    await run('heavyCountAfterMarkAll')
    const removed = await deleteBefore(s.url, f.heavyToken, f.deleteBefore)
    return {
      engine: o.engine,
      size: o.size,
      at: new Date().toISOString(),
      machine: await versions(s),
      seed: seeded,
      endpoints: endpoints as Record<EndpointName, EndpointResult>,
      raw: o.engine === 'postgres' ? direct : undefined,
      limits: {
        singleRowCommitsPerSecond: commits.perSecond,
        rawInsert: { seconds: raw.seconds, rows: o.bulkRecipients },
      },
      bulk: { send, ...muted, markAll: all, deleteByFilter: removed },
      rssMb: { afterLoad, atEnd: rssMb() },
    }
  } finally {
    await s.close()
  }
}
