import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { MARK_ALL_COUNT_CAP } from '../../src/core/inbox.ts'
import { BULK_CHUNK } from '../../src/storage/notification-store.ts'
import { SEND_CHUNK } from '../../src/storage/send-store.ts'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'

const FANOUT = 12_000
const HEAVY = BULK_CHUNK + 500

const as = async (h: TestHerald, tenant: string, user: string) => {
  const headers = { authorization: `Bearer ${await h.token({ tenant, user })}` }
  return {
    counts: async () => (await h.app.inject({ url: '/v1/me/counts', headers })).json().counts,
    bulk: async (payload: object) =>
      (
        await h.app.inject({ method: 'POST', url: '/v1/me/notifications/bulk', headers, payload })
      ).json(),
  }
}

describeEngines('storage: bulk work larger than one chunk', (get) => {
  test(`one send to ${FANOUT} recipients (over SEND_CHUNK) reaches each exactly once`, async () => {
    assert.ok(FANOUT > 2 * SEND_CHUNK)
    const h = get()
    const tenant = h.tenant()
    const users = Array.from({ length: FANOUT }, (_, i) => `u${i}`)
    const res = await send(h, await h.apiKey(tenant), { to: { users }, type: 'x', title: 'all' })
    assert.equal(res.status, 201, JSON.stringify(res.json))
    assert.equal(res.json.recipients, FANOUT)
    assert.equal(res.json.notifications, null, 'too many to list')
    for (const u of ['u0', `u${SEND_CHUNK - 1}`, `u${SEND_CHUNK}`, `u${FANOUT - 1}`]) {
      assert.deepEqual(await (await as(h, tenant, u)).counts(), { total: 1, unread: 1, unseen: 1 })
    }
    const { rows } = await sql<{ c: string }>`SELECT count(*) AS c FROM notifications
      WHERE tenant_id = ${tenant}`.execute(h.storage.db)
    assert.equal(Number(rows[0]?.c), FANOUT)
  })

  test(`mark all read and delete all for one user with ${HEAVY} notifications (over BULK_CHUNK)`, async () => {
    const h = get()
    const tenant = h.tenant()
    const key = await h.apiKey(tenant)
    const first = await send(h, key, {
      to: { users: ['heavy', 'light'] },
      type: 'x',
      title: 'seed',
    })
    // The API has no call that gives one user this many rows quickly (about 7 ms per send), so
    // the rest are copies of the sent row, written straight to the store.
    await sql`INSERT INTO notifications (tenant_id, recipient_id, message_id, type, created_at)
      SELECT ${tenant}, 'heavy', ${first.json.messageId}, 'x', now() - g * interval '1 second'
      FROM generate_series(1, ${HEAVY - 1}) AS g`.execute(h.storage.db)
    const heavy = await as(h, tenant, 'heavy')
    const light = await as(h, tenant, 'light')
    assert.deepEqual(await heavy.counts(), { total: HEAVY, unread: HEAVY, unseen: HEAVY })
    // Mark all read counts what it read up to its cap; the delete counts every row.
    assert.deepEqual(await heavy.bulk({ action: 'read', filter: {} }), {
      changed: MARK_ALL_COUNT_CAP,
      capped: true,
      notFound: [],
    })
    assert.deepEqual(await heavy.counts(), { total: HEAVY, unread: 0, unseen: 0 })
    assert.deepEqual(await light.counts(), { total: 1, unread: 1, unseen: 1 }, 'others untouched')
    assert.deepEqual(await heavy.bulk({ action: 'read', filter: {} }), {
      changed: 0,
      capped: false,
      notFound: [],
    })
    assert.deepEqual(await heavy.bulk({ action: 'delete', filter: {} }), {
      changed: HEAVY,
      capped: false,
      notFound: [],
    })
    assert.deepEqual(await heavy.counts(), { total: 0, unread: 0, unseen: 0 })
    assert.deepEqual(await light.counts(), { total: 1, unread: 1, unseen: 1 })
  })
})
