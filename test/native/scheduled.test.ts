import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import type { InboxEvent } from '../../src/core/events.ts'
import { describeEngines, type TestHerald } from '../support/harness.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const DAY = 86_400_000
const later = (ms: number) => new Date(Date.now() + ms).toISOString()

const post = (h: TestHerald, key: string, payload: object, idem?: string) =>
  h.app.inject({
    method: 'POST',
    url: '/v1/notifications',
    headers: { authorization: `Bearer ${key}`, ...(idem ? { 'idempotency-key': idem } : {}) },
    payload,
  })

const call = (h: TestHerald, key: string, method: 'GET' | 'DELETE', url: string) =>
  h.app.inject({ method, url, headers: { authorization: `Bearer ${key}` } })

async function inboxOf(h: TestHerald, tenant: string, user: string) {
  const token = await h.token({ tenant, user })
  const res = await h.app.inject({
    url: '/v1/me/notifications?limit=100',
    headers: { authorization: `Bearer ${token}` },
  })
  return res.json().items as Array<{ id: number; title: string; createdAt: string }>
}

/** Resolves with the first event of the user's inbox (after its commit), or fails after `ms`. */
function nextEvent(h: TestHerald, tenant: string, user: string, ms = 15_000) {
  return new Promise<InboxEvent & { seenAt: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`no event for ${user} within ${ms} ms`))
    }, ms)
    const off = h.core.events.subscribe(tenant, user, (e) => {
      clearTimeout(timer)
      off()
      resolve({ ...e, seenAt: Date.now() })
    })
  })
}

/** Polls a scheduled send until its status is `status` (bounded), and returns it. */
async function untilStatus(h: TestHerald, key: string, id: string, status: string) {
  for (let i = 0; i < 300; i++) {
    const res = await call(h, key, 'GET', `/v1/scheduled/${id}`)
    if (res.json().status === status) return res.json()
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`scheduled send ${id} never became ${status}`)
}

/** Brings the tenant's waiting sends due now, however long the steps before took. */
const dueNow = (h: TestHerald, tenant: string) =>
  sql`UPDATE scheduled_sends SET send_at = now() WHERE tenant_id = ${tenant}
    AND status = 'scheduled'`.execute(h.storage.db)

const message = { type: 'reminder', title: 'Stand-up in 5 minutes' }

describeEngines(
  'native scheduled sends',
  (get) => {
    test('a future sendAt is stored (202), invisible before its time, then delivered once through the send path', async () => {
      const h = get()
      h.scheduler.start()
      const t = h.tenant()
      const key = await h.apiKey(t)
      // Far ahead, so the checks before it never race it on a busy machine; made due below.
      const sendAt = later(60_000)
      const event = nextEvent(h, t, 'alice')
      const res = await post(h, key, { to: { users: ['alice', 'bob'] }, ...message, sendAt })
      assert.equal(res.statusCode, 202, res.body)
      const s = res.json()
      assert.match(s.id, UUID)
      assert.equal(s.status, 'scheduled')
      assert.equal(s.sendAt, new Date(sendAt).toISOString())
      assert.equal(s.replayed, false)
      assert.deepEqual(s.audience, { kind: 'users', users: 2 })
      assert.equal(s.result, null)
      assert.equal((await inboxOf(h, t, 'alice')).length, 0, 'not visible before its time')
      const waiting = await call(h, key, 'GET', '/v1/scheduled')
      assert.deepEqual(
        waiting.json().items.map((i: { id: string }) => i.id),
        [s.id],
      )

      assert.equal((await inboxOf(h, t, 'alice')).length, 0, 'still not visible')
      const dueAt = Date.now()
      await dueNow(h, t)
      const e = await event
      assert.equal(e.type, 'notification.created')
      assert.ok(e.seenAt >= dueAt, 'delivered once due')
      const [n] = await inboxOf(h, t, 'alice')
      assert.equal(n?.title, message.title)
      // The database's clock, to the millisecond: created by the delivery, not by the request.
      assert.ok(Date.parse(n?.createdAt ?? '') >= dueAt - 50, 'created at delivery')
      assert.equal((await inboxOf(h, t, 'bob')).length, 1)

      const done = (await call(h, key, 'GET', `/v1/scheduled/${s.id}`)).json()
      assert.equal(done.status, 'delivered')
      assert.equal(done.result.recipients, 2)
      assert.ok(done.finishedAt)
      assert.equal((await call(h, key, 'GET', '/v1/scheduled')).json().items.length, 0)
      const delivered = (await call(h, key, 'GET', '/v1/scheduled?status=delivered')).json()
      assert.deepEqual(
        delivered.items.map((i: { id: string }) => i.id),
        [s.id],
      )
    })

    test('delaySeconds schedules from now; a past or present time, or a 0 delay, sends at once (201)', async () => {
      const h = get()
      h.scheduler.start()
      const t = h.tenant()
      const key = await h.apiKey(t)
      const before = Date.now()
      const res = await post(h, key, { to: { users: ['a'] }, ...message, delaySeconds: 1 })
      assert.equal(res.statusCode, 202, res.body)
      const at = Date.parse(res.json().sendAt)
      assert.ok(at >= before + 1000 && at <= Date.now() + 1000, res.json().sendAt)
      await untilStatus(h, key, res.json().id, 'delivered')
      assert.equal((await inboxOf(h, t, 'a')).length, 1)

      for (const when of [
        { sendAt: new Date(Date.now() - DAY).toISOString() },
        { sendAt: new Date().toISOString() },
        { delaySeconds: 0 },
      ]) {
        const now = await post(h, key, { to: { users: ['b'] }, ...message, ...when })
        assert.equal(now.statusCode, 201, `${JSON.stringify(when)} → ${now.body}`)
        assert.equal(now.json().recipients, 1)
      }
      assert.equal((await inboxOf(h, t, 'b')).length, 3)
      assert.equal((await call(h, key, 'GET', '/v1/scheduled')).json().items.length, 0)
    })

    test('a bad sendAt or delaySeconds is a 400 that stores nothing', async () => {
      const h = get()
      const t = h.tenant()
      const key = await h.apiKey(t)
      const cases: Array<[object, RegExp]> = [
        [{ sendAt: 'tomorrow' }, /sendAt/],
        [{ sendAt: '2030-01-01T10:00:00' }, /sendAt/], // no zone: not RFC 3339
        [{ sendAt: '2030-02-30T10:00:00Z' }, /sendAt/],
        [{ sendAt: 1893456000 }, /sendAt/],
        [{ sendAt: later(400 * DAY) }, /sendAt/],
        [{ sendAt: later(DAY), delaySeconds: 60 }, /sendAt/],
        [{ delaySeconds: -1 }, /delaySeconds/],
        [{ delaySeconds: 1.5 }, /delaySeconds/],
        [{ delaySeconds: 400 * 86_400 }, /delaySeconds/],
        [{ sendAt: later(DAY), to: { users: [] } }, /to\.users/],
        [{ sendAt: later(DAY), title: '   ' }, /^title$/],
      ]
      for (const [extra, field] of cases) {
        const res = await post(h, key, { to: { users: ['a'] }, ...message, ...extra })
        assert.equal(res.statusCode, 400, `${JSON.stringify(extra)} → ${res.body}`)
        const e = res.json().error
        assert.equal(e.code, 'VALIDATION')
        assert.match(String(e.details?.field), field, JSON.stringify(e))
      }
      for (const status of ['scheduled', 'delivered', 'cancelled', 'failed']) {
        const list = await call(h, key, 'GET', `/v1/scheduled?status=${status}`)
        assert.equal(list.json().items.length, 0, status)
      }
      assert.equal((await inboxOf(h, t, 'a')).length, 0)
    })

    test('one Idempotency-Key names one request, scheduled or sent', async () => {
      const h = get()
      h.scheduler.start()
      const t = h.tenant()
      const key = await h.apiKey(t)
      const body = { to: { users: ['a'] }, ...message, sendAt: later(DAY) }
      const first = await post(h, key, body, 'k-1')
      assert.equal(first.statusCode, 202)
      const again = await post(h, key, body, 'k-1')
      assert.equal(again.statusCode, 202)
      assert.equal(again.headers['idempotent-replayed'], 'true')
      assert.equal(again.json().id, first.json().id)
      assert.equal(again.json().replayed, true)
      const other = await post(h, key, { ...body, title: 'Another' }, 'k-1')
      assert.equal(other.statusCode, 409)
      assert.equal(other.json().error.details.idempotencyKey, 'k-1')
      const now = await post(h, key, { to: { users: ['a'] }, ...message }, 'k-1')
      assert.equal(now.statusCode, 409, 'an immediate send cannot take a scheduled key')
      // A key an immediate send used cannot schedule another request either.
      assert.equal(
        (await post(h, key, { to: { users: ['a'] }, ...message }, 'k-2')).statusCode,
        201,
      )
      assert.equal((await post(h, key, body, 'k-2')).statusCode, 409)

      await dueNow(h, t)
      await untilStatus(h, key, first.json().id, 'delivered')
      const retry = await post(h, key, body, 'k-1')
      assert.equal(retry.statusCode, 202, 'a retry after delivery answers the schedule again')
      assert.equal(retry.json().status, 'delivered')
      const titles = (await inboxOf(h, t, 'a')).map((n) => n.title)
      assert.deepEqual(titles, [message.title, message.title], 'k-2 once, k-1 once')
    })

    test('cancel by id and by idempotency key; a cancelled or delivered one is 409; unknown is 404', async () => {
      const h = get()
      h.scheduler.start()
      const t = h.tenant()
      const key = await h.apiKey(t)
      const far = { to: { users: ['a'] }, ...message, sendAt: later(DAY) }
      const one = (await post(h, key, far)).json()
      const byKey = (await post(h, key, { ...far, title: 'keyed' }, 'cancel/me')).json()

      const cancelled = await call(h, key, 'DELETE', `/v1/scheduled/${one.id}`)
      assert.equal(cancelled.statusCode, 200, cancelled.body)
      assert.equal(cancelled.json().status, 'cancelled')
      assert.ok(cancelled.json().finishedAt)
      const twice = await call(h, key, 'DELETE', `/v1/scheduled/${one.id}`)
      assert.equal(twice.statusCode, 409)
      assert.equal(twice.json().error.details.status, 'cancelled')

      const k = encodeURIComponent('cancel/me')
      assert.equal((await call(h, key, 'GET', `/v1/scheduled/by-key/${k}`)).json().id, byKey.id)
      const viaKey = await call(h, key, 'DELETE', `/v1/scheduled/by-key/${k}`)
      assert.equal(viaKey.statusCode, 200, viaKey.body)
      assert.equal(viaKey.json().id, byKey.id)
      assert.equal(viaKey.json().status, 'cancelled')

      const soon = (await post(h, key, { ...far, sendAt: later(300) })).json()
      await untilStatus(h, key, soon.id, 'delivered')
      const late = await call(h, key, 'DELETE', `/v1/scheduled/${soon.id}`)
      assert.equal(late.statusCode, 409)
      assert.equal(late.json().error.details.status, 'delivered')
      assert.equal((await inboxOf(h, t, 'a')).length, 1, 'only the one not cancelled')

      for (const url of [
        '/v1/scheduled/00000000-0000-4000-8000-000000000000',
        '/v1/scheduled/not-a-uuid',
        '/v1/scheduled/by-key/never-used',
      ]) {
        for (const method of ['GET', 'DELETE'] as const) {
          const res = await call(h, key, method, url)
          assert.equal(res.statusCode, 404, `${method} ${url} → ${res.body}`)
          assert.equal(res.json().error.code, 'NOT_FOUND')
        }
      }
    })

    test("another tenant can neither see nor cancel a tenant's scheduled sends", async () => {
      const h = get()
      const t = h.tenant()
      const key = await h.apiKey(t)
      const otherKey = await h.apiKey(h.tenant())
      const s = (
        await post(h, key, { to: { users: ['a'] }, ...message, sendAt: later(DAY) }, 'secret')
      ).json()
      for (const url of [`/v1/scheduled/${s.id}`, '/v1/scheduled/by-key/secret']) {
        for (const method of ['GET', 'DELETE'] as const) {
          const res = await call(h, otherKey, method, url)
          assert.equal(res.statusCode, 404, `${method} ${url} → ${res.body}`)
        }
      }
      assert.equal((await call(h, otherKey, 'GET', '/v1/scheduled')).json().items.length, 0)
      // The same key in another tenant is that tenant's own.
      const theirs = await post(
        h,
        otherKey,
        { to: { users: ['a'] }, ...message, sendAt: later(DAY) },
        'secret',
      )
      assert.equal(theirs.statusCode, 202)
      assert.notEqual(theirs.json().id, s.id)
      assert.equal((await call(h, key, 'GET', `/v1/scheduled/${s.id}`)).json().status, 'scheduled')
    })

    test('credentials: a user token is 403, none is 401', async () => {
      const h = get()
      const t = h.tenant()
      const token = await h.token({ tenant: t, user: 'a' })
      for (const [method, url] of [
        ['GET', '/v1/scheduled'],
        ['GET', '/v1/scheduled/00000000-0000-4000-8000-000000000000'],
        ['DELETE', '/v1/scheduled/by-key/x'],
      ] as const) {
        assert.equal((await call(h, token, method, url)).statusCode, 403, `${method} ${url}`)
        assert.equal((await h.app.inject({ method, url })).statusCode, 401, `${method} ${url}`)
      }
    })

    test('list pages in sendAt order; a bad cursor, status or limit is a 400', async () => {
      const h = get()
      const t = h.tenant()
      const key = await h.apiKey(t)
      const times = [3, 1, 2].map((d) => later(d * DAY))
      for (const sendAt of times) await post(h, key, { to: { topic: 'p' }, ...message, sendAt })
      const first = (await call(h, key, 'GET', '/v1/scheduled?limit=2')).json()
      assert.equal(first.items.length, 2)
      assert.deepEqual(first.items[0].audience, { kind: 'topic', topic: 'p' })
      const cursor = encodeURIComponent(first.nextCursor)
      const second = (await call(h, key, 'GET', `/v1/scheduled?limit=2&cursor=${cursor}`)).json()
      assert.equal(second.nextCursor, null)
      assert.deepEqual(
        [...first.items, ...second.items].map((i: { sendAt: string }) => i.sendAt),
        [...times].sort().map((s) => new Date(s).toISOString()),
      )
      for (const q of ['cursor=nope', 'status=sent', 'limit=0', 'limit=101']) {
        const res = await call(h, key, 'GET', `/v1/scheduled?${q}`)
        assert.equal(res.statusCode, 400, `${q} → ${res.body}`)
      }
    })

    test('a delivery that cannot succeed is marked failed with its reason and creates nothing', async () => {
      const h = get()
      h.scheduler.start()
      const t = h.tenant()
      const key = await h.apiKey(t)
      const s = (
        await post(h, key, { to: { users: ['a'] }, ...message, sendAt: later(DAY) }, 'taken')
      ).json()
      // Another request took the key meanwhile (as a race between two first requests could).
      await sql`INSERT INTO idempotency_keys (tenant_id, key, request_hash, response)
        VALUES (${t}, 'taken', 'another', '{}')`.execute(h.storage.db)
      await dueNow(h, t)
      const failed = await untilStatus(h, key, s.id, 'failed')
      assert.equal(failed.error.code, 'CONFLICT')
      assert.equal(failed.result, null)
      assert.equal((await inboxOf(h, t, 'a')).length, 0)
    })
  },
  { env: { HERALD_SCHEDULER_INTERVAL_MS: '20' } },
)
