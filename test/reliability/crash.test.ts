import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import pg from 'pg'
import { mintToken } from '../../src/auth/tokens.ts'
import { type ChildServer, operatorToken, startServer } from '../support/child-server.ts'
import { PG_URL, SECRET, skipWithoutPostgres } from '../support/harness.ts'
import { audit, inboxTraffic, newLedger, type Traffic } from '../support/inbox-traffic.ts'
import { checkEmbeddedStore } from '../support/integrity.ts'
import { startLoad } from '../support/load.ts'

const ROUNDS = 2
const CLIENTS = 8

/** Runs `sql` on the shared PostgreSQL directly (never through a server under test). */
async function onPostgres<R>(fn: (c: pg.Client) => Promise<R>): Promise<R> {
  const c = new pg.Client({ connectionString: PG_URL })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

/**
 * Rounds of a mixed write load (sends, lists, deletes) ended by `kill -9`, each followed by a
 * restart and an audit of everything the server had acknowledged.
 */
async function crashRounds(
  t: { diagnostic(s: string): void },
  dir: string,
  env: Record<string, string>,
): Promise<ChildServer> {
  let server = await startServer(dir, env)
  const tenant = 'crash'
  const credentials = {
    producer: await operatorToken(tenant),
    user: await mintToken(SECRET, { tenant, user: 'alice' }),
    recipient: 'alice',
  }
  for (let round = 1; round <= ROUNDS; round++) {
    const ledger = newLedger()
    const traffic: Traffic = { url: server.url, ...credentials, label: `r${round}` }
    const run = startLoad(CLIENTS, inboxTraffic(traffic, ledger))
    await run.until(() => ledger.sent.size >= 120 && ledger.deleted.size >= 30, 60_000, 'load')
    server.proc.kill('SIGKILL')
    assert.equal(await server.exited, 'SIGKILL')
    const outcomes = await run.stop()
    server = await startServer(dir, env)
    const a = await audit({ ...traffic, url: server.url }, ledger)
    t.diagnostic(
      `round ${round}: ${outcomes.length} requests; ${a.acknowledged} acknowledged sends kept, ` +
        `${a.found} found after restart; ${a.deleted} acknowledged deletes, ` +
        `${a.deleted - a.resurrected.length} still gone; ${a.undecided} deletes in flight at the kill ` +
        `(not counted); ${ledger.unacknowledged.size} sends unanswered`,
    )
    assert.deepEqual(a.lost, [], `round ${round}: acknowledged sends lost after kill -9`)
    assert.deepEqual(a.resurrected, [], `round ${round}: acknowledged deletes back after kill -9`)
    assert.equal(a.found, a.acknowledged)
  }
  return server
}

describe('kill -9 under a mixed write load', () => {
  const dirs: string[] = []
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'herald-crash-'))
    dirs.push(d)
    return d
  }
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  test('[pglite] acknowledged writes survive; the store reopens and passes an integrity check', async (t) => {
    const dir = tempDir()
    const server = await crashRounds(t, dir, {})
    server.proc.kill('SIGTERM')
    assert.equal(await server.exited, 0)
    const check = await checkEmbeddedStore(dir)
    t.diagnostic(
      `integrity: ${check.indexes} B-tree indexes pass amcheck (heapallindexed); ` +
        `${check.notifications} notifications, ${check.duplicateKeys} duplicate keys, ` +
        `${check.byIndex} by index scan vs ${check.bySeqScan} by sequential scan`,
    )
    assert.ok(check.indexes >= 5, 'the per-user indexes were checked')
    assert.equal(check.duplicateKeys, 0)
    assert.equal(check.byIndex, check.bySeqScan)
  })

  test('[postgres] acknowledged writes survive, in a schema of its own', {
    skip: skipWithoutPostgres,
  }, async (t) => {
    const schema = `crash_${randomBytes(4).toString('hex')}`
    await onPostgres((c) => c.query(`CREATE SCHEMA ${schema}`))
    try {
      const url = new URL(PG_URL)
      url.searchParams.set('options', `-c search_path=${schema}`)
      const server = await crashRounds(t, tempDir(), { DATABASE_URL: url.toString() })
      server.proc.kill('SIGTERM')
      assert.equal(await server.exited, 0)
      // The server really ran in its own schema: its tables are there.
      const tables = await onPostgres((c) =>
        c.query(
          'SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2',
          [schema, 'notifications'],
        ),
      )
      assert.equal(tables.rowCount, 1, `notifications is in schema ${schema}`)
    } finally {
      await onPostgres((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`))
    }
  })
})
