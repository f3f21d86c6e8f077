import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { sql } from 'kysely'
import pg from 'pg'
import { loadConfig } from '../../src/config.ts'
import { buildHerald, type Herald } from '../../src/server.ts'
import {
  goOnWithPostgres,
  PG_URL,
  SECRET,
  skipWithoutPostgres,
  startHerald,
  type TestHerald,
} from '../support/harness.ts'

const ENV = { HERALD_SCHEDULER_INTERVAL_MS: '20' }
const message = { type: 'reminder', title: 'Your trial ends tomorrow' }
const later = (ms: number) => new Date(Date.now() + ms).toISOString()
const pause = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)))

const schedule = async (h: Herald, key: string, body: object, idem?: string) => {
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/notifications',
    headers: { authorization: `Bearer ${key}`, ...(idem ? { 'idempotency-key': idem } : {}) },
    payload: { ...message, ...body },
  })
  assert.equal(res.statusCode, 202, res.body)
  return res.json() as { id: string; sendAt: string }
}

const statusOf = async (h: Herald, tenant: string, id: string) =>
  (
    await sql<{ status: string }>`SELECT status FROM scheduled_sends
      WHERE tenant_id = ${tenant} AND id = ${id}`.execute(h.storage.db)
  ).rows[0]?.status

/** Notifications per recipient in the tenant, read from the store. */
async function perRecipient(h: Herald, tenant: string) {
  const { rows } = await sql<{ recipient_id: string; n: number }>`
    SELECT recipient_id, count(*)::int AS n FROM notifications WHERE tenant_id = ${tenant}
    GROUP BY recipient_id ORDER BY recipient_id`.execute(h.storage.db)
  return new Map(rows.map((r) => [r.recipient_id, r.n]))
}

/** Brings every waiting send of the tenant due now, all at once (however long scheduling took). */
const makeDue = (h: Herald, tenant: string) =>
  sql`UPDATE scheduled_sends SET send_at = now() - interval '1 second'
    WHERE tenant_id = ${tenant} AND status = 'scheduled'`.execute(h.storage.db)

/** Polls until no send of the tenant is waiting any more (bounded). */
async function untilNoneWaiting(h: Herald, tenant: string) {
  for (let i = 0; i < 400; i++) {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM scheduled_sends
      WHERE tenant_id = ${tenant} AND status = 'scheduled'`.execute(h.storage.db)
    if (rows[0]?.n === 0) return
    await pause(50)
  }
  throw new Error('scheduled sends were still waiting')
}

/**
 * Stops the instance that stored a send before it is due, lets the time pass with nothing
 * running, starts another on the same store: that one delivers it, once.
 */
async function survivesRestart(open: () => Promise<Herald>) {
  const first = await open()
  const tenant = 'restart'
  let due: { id: string; sendAt: string }
  let far: { id: string; sendAt: string }
  try {
    const key = (await first.auth.createApiKey(tenant)).key
    // Far enough ahead that a slow machine still stores it (and closes the first instance)
    // before it is due: a time already past is an immediate send (201), not a scheduled one.
    due = await schedule(first, key, { to: { users: ['alice'] }, sendAt: later(3000) })
    far = await schedule(first, key, { to: { users: ['bob'] }, sendAt: later(86_400_000) })
  } finally {
    // Closed whatever failed: an open instance would keep the test process alive.
    await first.close()
  }
  await pause(Date.parse(due.sendAt) - Date.now() + 50)

  const second = await open()
  try {
    assert.equal(await statusOf(second, tenant, due.id), 'scheduled', 'nothing ran meanwhile')
    assert.equal((await perRecipient(second, tenant)).size, 0)
    second.scheduler.start()
    await untilNoneWaitingExcept(second, tenant, far.id)
    assert.equal(await statusOf(second, tenant, due.id), 'delivered')
    assert.equal(await statusOf(second, tenant, far.id), 'scheduled')
    assert.deepEqual([...(await perRecipient(second, tenant))], [['alice', 1]])
  } finally {
    await second.close()
  }
}

async function untilNoneWaitingExcept(h: Herald, tenant: string, keep: string) {
  for (let i = 0; i < 400; i++) {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM scheduled_sends
      WHERE tenant_id = ${tenant} AND status = 'scheduled' AND id <> ${keep}`.execute(h.storage.db)
    if (rows[0]?.n === 0) return
    await pause(50)
  }
  throw new Error('the due send was never delivered')
}

/**
 * Many sends due at once, several deliverers racing for them (two instances on PostgreSQL, each
 * with two concurrent runs; on PGlite one instance with two): each send is delivered exactly once.
 */
async function exactlyOnce(instances: TestHerald[]) {
  const [h] = instances
  assert.ok(h)
  const tenant = h.tenant()
  const key = await h.apiKey(tenant)
  const N = 60
  const sendAt = later(3_600_000)
  for (let i = 0; i < N; i++) {
    const idem = i % 2 === 0 ? `k-${i}` : undefined
    await schedule(h, key, { to: { users: [`u${i}`] }, sendAt }, idem)
  }
  await makeDue(h, tenant)
  const runs = await Promise.all(
    instances.flatMap((x) => [x, x]).map((x) => x.core.schedules.deliverDue(N)),
  )
  const delivered = runs.reduce((sum, r) => sum + r.delivered, 0)
  assert.equal(delivered, N, `runs: ${JSON.stringify(runs)}`)
  assert.ok(runs.every((r) => r.failed === 0))
  const counts = await perRecipient(h, tenant)
  assert.equal(counts.size, N)
  assert.ok(
    [...counts.values()].every((n) => n === 1),
    JSON.stringify([...counts]),
  )
  // Nothing is left for anyone.
  assert.deepEqual(await h.core.schedules.deliverDue(N), { delivered: 0, failed: 0 })
  return runs.map((r) => r.delivered)
}

/** A stopping scheduler finishes the delivery under way and leaves the rest waiting. */
async function stopsBetweenDeliveries(h: TestHerald) {
  const tenant = h.tenant()
  const key = await h.apiKey(tenant)
  for (let i = 0; i < 5; i++)
    await schedule(h, key, { to: { users: [`s${i}`] }, sendAt: later(3_600_000) })
  await makeDue(h, tenant)
  let asked = 0
  const run = await h.core.schedules.deliverDue(10, () => ++asked > 2)
  assert.deepEqual(run, { delivered: 2, failed: 0 })
  assert.equal((await perRecipient(h, tenant)).size, 2)
  assert.deepEqual(await h.core.schedules.deliverDue(10), { delivered: 3, failed: 0 })
}

describe('scheduled sends survive a restart [pglite]', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-schedule-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  test('stored by one process, delivered by the next on the same data directory', async () => {
    const config = loadConfig({
      ...ENV,
      HERALD_JWT_SECRET: SECRET,
      HERALD_DATA_DIR: dir,
      DATABASE_URL: join(dir, 'pglite'),
    })
    await survivesRestart(() => buildHerald({ config }))
  })
})

describe('scheduled sends: exactly once [pglite]', () => {
  test('two concurrent deliverers on one store deliver each send once; a stop comes between deliveries', async () => {
    const h = await startHerald('pglite', ENV)
    try {
      await exactlyOnce([h])
      await stopsBetweenDeliveries(h)
    } finally {
      await h.close()
    }
  })
})

describe('scheduled sends on PostgreSQL [postgres]', () => {
  if (!goOnWithPostgres()) return

  test('stored by one instance, delivered by another started after it stopped', async () => {
    const owner = await startHerald('postgres', ENV)
    try {
      await survivesRestart(() => startHerald('postgres', ENV, owner))
    } finally {
      await owner.close()
    }
  })

  test('two instances racing for the same due sends deliver each exactly once; a stop comes between deliveries', async () => {
    const a = await startHerald('postgres', ENV)
    const b = await startHerald('postgres', ENV, a)
    try {
      const split = await exactlyOnce([a, b])
      console.log(`# deliveries per run (instance a, a, b, b): ${split.join(', ')}`)
      await stopsBetweenDeliveries(a)
    } finally {
      await b.close()
      await a.close()
    }
  })

  test('two running schedulers on the same store: every send once', async () => {
    const a = await startHerald('postgres', { ...ENV, HERALD_SCHEDULER_BATCH: '3' })
    const b = await startHerald('postgres', { ...ENV, HERALD_SCHEDULER_BATCH: '3' }, a)
    try {
      const tenant = a.tenant()
      const key = await a.apiKey(tenant)
      const sendAt = later(3_600_000)
      for (let i = 0; i < 40; i++) await schedule(a, key, { to: { users: [`v${i}`] }, sendAt })
      await makeDue(a, tenant)
      a.scheduler.start()
      b.scheduler.start()
      await untilNoneWaiting(a, tenant)
      const counts = await perRecipient(a, tenant)
      assert.equal(counts.size, 40)
      assert.ok(
        [...counts.values()].every((n) => n === 1),
        JSON.stringify([...counts]),
      )
    } finally {
      await b.close()
      await a.close()
    }
  })

  test('a row another instance is delivering is skipped; its crash (rollback) leaves it to be delivered once; a cancel waits for a delivery', {
    skip: skipWithoutPostgres,
  }, async () => {
    const h = await startHerald('postgres', ENV)
    const other = new pg.Client({ connectionString: PG_URL })
    await other.connect()
    try {
      await other.query(`SET search_path TO ${h.schema}`)
      const tenant = h.tenant()
      const key = await h.apiKey(tenant)
      const sendAt = later(200)
      const held = await schedule(h, key, { to: { users: ['held'] }, sendAt })
      const free = await schedule(h, key, { to: { users: ['free'] }, sendAt })
      await pause(Date.parse(sendAt) - Date.now() + 20)

      // "Another instance" claims one and writes part of its delivery, uncommitted.
      await other.query('BEGIN')
      await other.query('SELECT id FROM scheduled_sends WHERE id = $1 FOR UPDATE', [held.id])
      await other.query(
        `INSERT INTO messages (tenant_id, type, title) VALUES ($1, 'reminder', 'half done')`,
        [tenant],
      )
      assert.deepEqual(await h.core.schedules.deliverDue(10), { delivered: 1, failed: 0 })
      assert.equal(await statusOf(h, tenant, free.id), 'delivered')
      assert.equal(await statusOf(h, tenant, held.id), 'scheduled', 'skipped, not waited for')
      // It crashes: its transaction rolls back, and the send is still waiting.
      await other.query('ROLLBACK')
      assert.deepEqual(await h.core.schedules.deliverDue(10), { delivered: 1, failed: 0 })
      assert.deepEqual(
        [...(await perRecipient(h, tenant))],
        [
          ['free', 1],
          ['held', 1],
        ],
      )

      // A cancel during a delivery waits for it, then sees it delivered.
      const third = await schedule(h, key, { to: { users: ['third'] }, sendAt: later(86_400_000) })
      await other.query('BEGIN')
      await other.query(
        `UPDATE scheduled_sends SET status = 'delivered', finished_at = now() WHERE id = $1`,
        [third.id],
      )
      const cancel = h.app.inject({
        method: 'DELETE',
        url: `/v1/scheduled/${third.id}`,
        headers: { authorization: `Bearer ${key}` },
      })
      await pause(100)
      await other.query('COMMIT')
      const res = await cancel
      assert.equal(res.statusCode, 409, res.body)
      assert.equal(res.json().error.details.status, 'delivered')
    } finally {
      await other.query('ROLLBACK').catch(() => {})
      await other.end()
      await h.close()
    }
  })
})
