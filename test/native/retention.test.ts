import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import type { InboxEvent } from '../../src/core/events.ts'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'

const CHUNK = 2
const DAY = 86_400_000
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString()

const call = (
  h: TestHerald,
  key: string,
  method: 'GET' | 'PUT' | 'POST',
  url: string,
  body?: unknown,
) =>
  h.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${key}` },
    ...(body === undefined ? {} : { payload: body as object }),
  })

/** Sends one notification to `to` with the given fields and returns its id. */
async function sendTo(h: TestHerald, key: string, to: string, fields: Record<string, unknown>) {
  const r = await send(h, key, { to: { users: [to] }, type: 't', ...fields })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  return (r.json.notifications as Array<{ id: number }>)[0]?.id as number
}

const titlesOf = async (h: TestHerald, tenant: string) =>
  (
    await sql<{ title: string }>`SELECT m.title FROM notifications n
      JOIN messages m ON m.tenant_id = n.tenant_id AND m.id = n.message_id
      WHERE n.tenant_id = ${tenant} ORDER BY m.title`.execute(h.storage.db)
  ).rows.map((r) => r.title)

/** Runs the background job's chunks until nothing is left, checking every chunk is bounded. */
async function drain(h: TestHerald) {
  const total = { expired: 0, read: 0, old: 0 }
  for (let i = 0; i < 1000; i++) {
    const run = await h.cleanup.runOnce()
    for (const k of ['expired', 'read', 'old'] as const) {
      assert.ok(run[k] <= CHUNK, `a bounded chunk: ${JSON.stringify(run)}`)
      total[k] += run[k]
    }
    if (!run.more) return total
  }
  throw new Error('the purge never finished')
}

describeEngines(
  'retention',
  (get) => {
    test('a policy is set and read back; absent fields and nulls keep; another tenant is unaffected', async () => {
      const h = get()
      const [a, b] = [h.tenant(), h.tenant()]
      const [keyA, keyB] = [await h.apiKey(a), await h.apiKey(b)]
      const none = { readDays: null, allDays: null }
      assert.deepEqual((await call(h, keyA, 'GET', '/v1/retention')).json(), none)

      const put = await call(h, keyA, 'PUT', '/v1/retention', { readDays: 30, allDays: 365 })
      assert.equal(put.statusCode, 200, put.body)
      assert.deepEqual(put.json(), { readDays: 30, allDays: 365 })
      assert.deepEqual((await call(h, keyA, 'GET', '/v1/retention')).json(), {
        readDays: 30,
        allDays: 365,
      })
      assert.deepEqual((await call(h, keyB, 'GET', '/v1/retention')).json(), none)

      const partial = await call(h, keyA, 'PUT', '/v1/retention', { allDays: 90 })
      assert.deepEqual(partial.json(), { readDays: null, allDays: 90 })
      assert.deepEqual((await call(h, keyA, 'GET', '/v1/retention')).json(), {
        readDays: null,
        allDays: 90,
      })
      const cleared = await call(h, keyA, 'PUT', '/v1/retention', { readDays: null, allDays: null })
      assert.deepEqual(cleared.json(), none)
      assert.deepEqual((await call(h, keyA, 'GET', '/v1/retention')).json(), none)
    })

    test('bad values are 400 and change nothing', async () => {
      const h = get()
      const tenant = h.tenant()
      const key = await h.apiKey(tenant)
      await call(h, key, 'PUT', '/v1/retention', { readDays: 7, allDays: 30 })
      const bad: unknown[] = [
        { readDays: 0 },
        { readDays: -1 },
        { allDays: 1.5 },
        { allDays: 'thirty' },
        { readDays: 36_501 },
        { readDays: 7, keepForever: true },
        { allDays: [30] },
        [],
        { readDays: { days: 3 } },
      ]
      for (const body of bad) {
        const res = await call(h, key, 'PUT', '/v1/retention', body)
        assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`)
        assert.equal(res.json().error.code, 'VALIDATION')
      }
      assert.deepEqual((await call(h, key, 'GET', '/v1/retention')).json(), {
        readDays: 7,
        allDays: 30,
      })
    })

    test('producer routes only: a user token is 403, no credential 401', async () => {
      const h = get()
      const tenant = h.tenant()
      const user = await h.token({ tenant, user: 'alice' })
      for (const [method, url] of [
        ['GET', '/v1/retention'],
        ['PUT', '/v1/retention'],
        ['POST', '/v1/retention/purge'],
      ] as const) {
        const body = method === 'PUT' ? { readDays: 1 } : undefined
        assert.equal((await call(h, user, method, url, body)).statusCode, 403, `${method} ${url}`)
        const anon = await h.app.inject({ method, url, ...(body ? { payload: body } : {}) })
        assert.equal(anon.statusCode, 401, `${method} ${url}`)
      }
    })

    test('read or dismissed past N days are purged; unread and recently read are kept; other tenants untouched', async () => {
      const h = get()
      const [tenant, other] = [h.tenant(), h.tenant()]
      const [key, otherKey] = [await h.apiKey(tenant), await h.apiKey(other)]
      const old = ago(40)
      await sendTo(h, key, 'alice', { title: 'read long ago', createdAt: old, read: ago(31) })
      await sendTo(h, key, 'alice', {
        title: 'dismissed long ago',
        createdAt: old,
        dismissed: ago(35),
      })
      await sendTo(h, key, 'alice', { title: 'read yesterday', createdAt: old, read: ago(1) })
      await sendTo(h, key, 'alice', { title: 'unread', createdAt: old })
      await sendTo(h, key, 'bob', { title: 'bob read long ago', createdAt: old, read: ago(31) })
      await sendTo(h, otherKey, 'alice', { title: 'no policy', createdAt: old, read: ago(31) })
      await call(h, key, 'PUT', '/v1/retention', { readDays: 30 })

      const deleted: InboxEvent[] = []
      const off = h.core.events.subscribe(tenant, 'alice', (e) => deleted.push(e))
      const total = await drain(h)
      off()
      assert.ok(total.read >= 3, JSON.stringify(total))
      assert.deepEqual(await titlesOf(h, tenant), ['read yesterday', 'unread'])
      assert.deepEqual(await titlesOf(h, other), ['no policy'])
      // Alice's open streams are told which of hers went, as a delete from the inbox tells them.
      assert.ok(deleted.length >= 1)
      assert.ok(deleted.every((e) => e.type === 'notifications.deleted'))
      assert.equal(deleted.flatMap((e) => e.ids ?? []).length, 2)
    })

    test('everything past M days is purged, read or not; newer is kept', async () => {
      const h = get()
      const tenant = h.tenant()
      const key = await h.apiKey(tenant)
      await sendTo(h, key, 'alice', { title: 'unread, 11 days', createdAt: ago(11) })
      await sendTo(h, key, 'alice', { title: 'read, 12 days', createdAt: ago(12), read: true })
      await sendTo(h, key, 'alice', { title: 'unread, 9 days', createdAt: ago(9) })
      await sendTo(h, key, 'alice', { title: 'new' })
      await call(h, key, 'PUT', '/v1/retention', { allDays: 10, readDays: 365 })
      await drain(h)
      assert.deepEqual(await titlesOf(h, tenant), ['new', 'unread, 9 days'])
    })

    test('expired notifications are purged without any policy; unexpired ones stay', async () => {
      const h = get()
      const tenant = h.tenant()
      const key = await h.apiKey(tenant)
      const soon = new Date(Date.now() + DAY).toISOString()
      const gone = await sendTo(h, key, 'carol', { title: 'expired', expiresAt: ago(1) })
      await sendTo(h, key, 'carol', { title: 'expires tomorrow', expiresAt: soon })
      await sendTo(h, key, 'carol', { title: 'never expires' })
      const deleted: InboxEvent[] = []
      const off = h.core.events.subscribe(tenant, 'carol', (e) => deleted.push(e))
      const total = await drain(h)
      off()
      assert.ok(total.expired >= 1)
      assert.deepEqual(await titlesOf(h, tenant), ['expires tomorrow', 'never expires'])
      assert.deepEqual(
        deleted.map((e) => [e.type, e.ids]),
        [['notifications.deleted', [gone]]],
      )
    })

    test('POST /v1/retention/purge purges the caller tenant only, a bounded amount per call', async () => {
      const h = get()
      const [tenant, other] = [h.tenant(), h.tenant()]
      const [key, otherKey] = [await h.apiKey(tenant), await h.apiKey(other)]
      for (let i = 0; i < 25; i++)
        await sendTo(h, key, 'dan', {
          title: `old ${String(i).padStart(2, '0')}`,
          createdAt: ago(3),
        })
      await sendTo(h, key, 'dan', { title: 'kept' })
      await sendTo(h, otherKey, 'dan', { title: 'expired elsewhere', expiresAt: ago(1) })
      await call(h, key, 'PUT', '/v1/retention', { allDays: 2 })
      // Ten chunks of two a call: 20 of 25, then the rest.
      const first = await call(h, key, 'POST', '/v1/retention/purge')
      assert.equal(first.statusCode, 200, first.body)
      assert.deepEqual(first.json(), { expired: 0, read: 0, old: 20, more: true })
      const second = (await call(h, key, 'POST', '/v1/retention/purge')).json()
      assert.deepEqual(second, { expired: 0, read: 0, old: 5, more: false })
      assert.deepEqual(await titlesOf(h, tenant), ['kept'])
      assert.deepEqual(await titlesOf(h, other), ['expired elsewhere'])
    })
  },
  { env: { HERALD_CLEANUP_CHUNK: String(CHUNK) } },
)
