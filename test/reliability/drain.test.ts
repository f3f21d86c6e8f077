import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import pg from 'pg'
import { mintToken } from '../../src/auth/tokens.ts'
import { operatorToken, startServer } from '../support/child-server.ts'
import { PG_URL, SECRET, skipWithoutPostgres } from '../support/harness.ts'
import { inboxTraffic, newLedger } from '../support/inbox-traffic.ts'
import { startLoad } from '../support/load.ts'

const CLIENTS = 25

/** Every title in `user`'s inbox, read page by page (bounded). */
async function titles(url: string, user: string): Promise<Set<string>> {
  const seen = new Set<string>()
  let cursor: string | null = null
  for (let page = 0; page < 200; page++) {
    const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''
    const res = await fetch(`${url}/v1/me/notifications?limit=100${q}`, {
      headers: { authorization: `Bearer ${user}` },
    })
    const body = (await res.json()) as {
      items: Array<{ title: string }>
      nextCursor: string | null
    }
    for (const n of body.items) seen.add(n.title)
    cursor = body.nextCursor
    if (!cursor) return seen
  }
  throw new Error('more pages than a test inbox can have')
}

/** An open live stream: everything it received, and a promise of its end. */
async function openStream(url: string, user: string) {
  const res = await fetch(`${url}/v1/me/stream?access_token=${user}`)
  assert.equal(res.status, 200)
  let text = ''
  const ended = (async () => {
    for await (const chunk of res.body ?? []) text += Buffer.from(chunk).toString('utf8')
    return text
  })()
  return { ended }
}

async function withSchema<R>(fn: (databaseUrl: string) => Promise<R>): Promise<R> {
  const schema = `drain_${randomBytes(4).toString('hex')}`
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: PG_URL })
    await c.connect()
    await c.query(sql).finally(() => c.end())
  }
  await admin(`CREATE SCHEMA ${schema}`)
  const url = new URL(PG_URL)
  url.searchParams.set('options', `-c search_path=${schema}`)
  try {
    return await fn(url.toString())
  } finally {
    await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  }
}

test('SIGTERM under 25 clients: each send completes or gets a 503 before any work; streams end with a retry hint', {
  skip: skipWithoutPostgres,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-drain-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  await withSchema(async (DATABASE_URL) => {
    const env = { DATABASE_URL, HERALD_SHUTDOWN_TIMEOUT_MS: '5000' }
    let server = await startServer(dir, env)
    const tenant = 'drain'
    const user = await mintToken(SECRET, { tenant, user: 'alice' })
    const traffic = {
      url: server.url,
      producer: await operatorToken(tenant),
      user,
      recipient: 'alice',
      label: 'd',
    }
    const stream = await openStream(server.url, user)
    const ledger = newLedger()
    const run = startLoad(CLIENTS, inboxTraffic(traffic, ledger, ['send']))
    await run.until(() => ledger.sent.size >= 150, 30_000, 'load before the signal')
    const signalledAt = Date.now()
    server.proc.kill('SIGTERM')
    assert.equal(await server.exited, 0, 'exits cleanly')
    const drainMs = Date.now() - signalledAt
    const outcomes = await run.stop()
    const streamText = await stream.ended
    assert.match(streamText, /retry: \d+\n\n$/, 'the stream ends with a reconnect hint')

    const refusals = outcomes.filter((o) => o.status === 503)
    for (const o of refusals) {
      assert.equal(JSON.parse(o.body).error.code, 'UNAVAILABLE', o.body)
      assert.ok(Number(o.headers['retry-after']) >= 1, 'Retry-After')
      assert.equal(o.headers.connection, 'close')
    }
    const unexpected = outcomes.filter((o) => ![0, 201, 503].includes(o.status))
    assert.deepEqual(unexpected, [], 'only 201, 503 or no answer at all')

    server = await startServer(dir, env)
    const stored = await titles(server.url, user)
    server.proc.kill('SIGTERM')
    await server.exited
    const lost = [...ledger.sent.values()].filter((title) => !stored.has(title))
    const unanswered = [...ledger.unacknowledged].filter(([, status]) => status === 0)
    const refused = outcomes.filter((o) => o.status === 0 && o.body.includes('ECONNREFUSED'))
    const committedUnanswered = unanswered.filter(([title]) => stored.has(title))
    const committed503 =
      refusals.length -
      [...ledger.unacknowledged].filter(([title, s]) => s === 503 && !stored.has(title)).length
    t.diagnostic(
      `SIGTERM: drained and exited in ${(drainMs / 1000).toFixed(2)} s; ${outcomes.length} sends: ` +
        `${ledger.sent.size} completed (201), ${refusals.length} answered 503 before any work, ` +
        `${unanswered.length} not answered (${refused.length} connections refused, ` +
        `${unanswered.length - refused.length} reset), of which ${committedUnanswered.length} had committed; ` +
        `stream ended with a retry hint`,
    )
    assert.deepEqual(lost, [], 'every acknowledged send is stored')
    assert.equal(committed503, 0, 'a 503 never follows work')
    assert.deepEqual(committedUnanswered, [], 'no request cut after commit')
  })
})
