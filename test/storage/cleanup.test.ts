import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { createCleanupJob } from '../../src/storage/cleanup-job.ts'
import { describeEngines, sendOne, type TestHerald } from '../support/harness.ts'

const CHUNK = 2

const sendKeyed = (h: TestHerald, key: string, idem: string, title: string) =>
  h.app.inject({
    method: 'POST',
    url: '/v1/notifications',
    headers: { authorization: `Bearer ${key}`, 'idempotency-key': idem },
    payload: { to: { users: ['alice'] }, type: 'comment', title },
  })

/** Runs the job's chunks until it says nothing is left (bounded), checking every chunk's size. */
async function drain(h: TestHerald) {
  const total = { idempotencyKeys: 0, messages: 0, scheduledSends: 0 }
  for (let i = 0; i < 1000; i++) {
    const run = await h.cleanup.runOnce()
    assert.ok(
      run.idempotencyKeys <= CHUNK && run.messages <= CHUNK && run.scheduledSends <= CHUNK,
      `a bounded chunk: ${JSON.stringify(run)}`,
    )
    total.idempotencyKeys += run.idempotencyKeys
    total.messages += run.messages
    total.scheduledSends += run.scheduledSends
    if (!run.more) return total
  }
  throw new Error('the clean-up never finished')
}

const messagesOf = async (h: TestHerald, tenant: string) =>
  (
    await sql<{
      title: string
    }>`SELECT title FROM messages WHERE tenant_id = ${tenant} ORDER BY id`.execute(h.storage.db)
  ).rows.map((r) => r.title)

describeEngines(
  'background clean-up',
  (get) => {
    test('idempotency keys past their time to live are purged and can be reused; live ones stay', async () => {
      const h = get()
      const tenant = h.tenant()
      const key = await h.apiKey(tenant)
      for (const idem of ['old-1', 'old-2', 'old-3', 'live'])
        assert.equal((await sendKeyed(h, key, idem, 'first')).statusCode, 201)
      await sql`UPDATE idempotency_keys SET created_at = now() - interval '2 hours'
        WHERE tenant_id = ${tenant} AND key LIKE 'old-%'`.execute(h.storage.db)
      assert.ok((await drain(h)).idempotencyKeys >= 3)
      const left = await sql<{ key: string }>`SELECT key FROM idempotency_keys
        WHERE tenant_id = ${tenant}`.execute(h.storage.db)
      assert.deepEqual(
        left.rows.map((r) => r.key),
        ['live'],
      )
      // A purged key is free again; a live one still guards its retries.
      assert.equal((await sendKeyed(h, key, 'old-1', 'another body')).statusCode, 201)
      assert.equal((await sendKeyed(h, key, 'live', 'another body')).statusCode, 409)
    })

    test('scheduled sends finished past the time to live are purged, and free their keys; waiting ones stay', async () => {
      const h = get()
      const tenant = h.tenant()
      const key = await h.apiKey(tenant)
      const schedule = (idem: string, title: string) =>
        h.app.inject({
          method: 'POST',
          url: '/v1/notifications',
          headers: { authorization: `Bearer ${key}`, 'idempotency-key': idem },
          payload: { to: { users: ['alice'] }, type: 't', title, delaySeconds: 86_400 },
        })
      for (const idem of ['s-old-1', 's-old-2', 's-old-3', 's-recent', 's-waiting'])
        assert.equal((await schedule(idem, 'first')).statusCode, 202)
      await sql`UPDATE scheduled_sends SET status = 'cancelled',
        finished_at = CASE WHEN idempotency_key LIKE 's-old-%' THEN now() - interval '2 hours'
          ELSE now() END
        WHERE tenant_id = ${tenant} AND idempotency_key <> 's-waiting'`.execute(h.storage.db)
      // A waiting one is never purged, however old.
      await sql`UPDATE scheduled_sends SET created_at = now() - interval '2 hours'
        WHERE tenant_id = ${tenant}`.execute(h.storage.db)
      assert.ok((await drain(h)).scheduledSends >= 3)
      const left = await sql<{ key: string }>`SELECT idempotency_key AS key FROM scheduled_sends
        WHERE tenant_id = ${tenant} ORDER BY idempotency_key`.execute(h.storage.db)
      assert.deepEqual(
        left.rows.map((r) => r.key),
        ['s-recent', 's-waiting'],
      )
      assert.equal((await schedule('s-old-1', 'another body')).statusCode, 202)
      assert.equal((await schedule('s-recent', 'another body')).statusCode, 409)
    })

    test('messages no notification points at are purged, in chunks; live ones stay', async () => {
      const h = get()
      const tenant = h.tenant()
      const key = await h.apiKey(tenant)
      const alice = await h.token({ tenant, user: 'alice' })
      const sent = []
      for (const title of ['a', 'b', 'c', 'd', 'e'])
        sent.push(await sendOne(h, key, 'alice', { type: 't', title }))
      await sendOne(h, key, 'bob', { type: 't', title: 'kept for bob' })
      for (const n of sent.slice(0, 4)) {
        const res = await h.app.inject({
          method: 'DELETE',
          url: `/v1/me/notifications/${n.id}`,
          headers: { authorization: `Bearer ${alice}` },
        })
        assert.equal(res.statusCode, 204, res.body)
      }
      assert.ok((await drain(h)).messages >= 4)
      assert.deepEqual(await messagesOf(h, tenant), ['e', 'kept for bob'])
      const list = await h.app.inject({
        url: '/v1/me/notifications',
        headers: { authorization: `Bearer ${alice}` },
      })
      assert.deepEqual(
        list.json().items.map((n: { title: string }) => n.title),
        ['e'],
      )
    })

    test('the scheduled job runs on its own, until the backlog is gone, and stops cleanly', {
      timeout: 30_000,
    }, async () => {
      const h = get()
      const tenant = h.tenant()
      const key = await h.apiKey(tenant)
      const { id } = await sendOne(h, key, 'carol', { type: 't', title: 'orphaned' })
      await sql`DELETE FROM notifications WHERE tenant_id = ${tenant} AND id = ${id}`.execute(
        h.storage.db,
      )
      let deleted = 0
      let resolve = () => {}
      const cleaned = new Promise<void>((r) => {
        resolve = r
      })
      const job = createCleanupJob({
        db: h.storage.db,
        settings: { chunk: CHUNK, intervalMs: 10, idempotencyTtlMs: 60_000 },
        onRun: (run) => {
          deleted += run.messages
          if (deleted > 0 && !run.more) resolve()
        },
      })
      job.start()
      await cleaned
      await job.stop()
      assert.deepEqual(await messagesOf(h, tenant), [])
    })
  },
  { env: { HERALD_CLEANUP_CHUNK: String(CHUNK), HERALD_IDEMPOTENCY_TTL_MS: '60000' } },
)
