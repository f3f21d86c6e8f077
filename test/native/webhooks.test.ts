import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import type { AttemptOutcome, ClaimedDelivery } from '../../src/core/webhooks.ts'
import { describeEngines, sendOne, type TestHerald } from '../support/harness.ts'
import { type Receiver, startReceiver, verifies } from '../support/webhook-receiver.ts'

const ENV = {
  HERALD_WEBHOOK_ALLOW_PRIVATE: 'true',
  HERALD_WEBHOOK_RETRY_BASE_MS: '20',
  HERALD_WEBHOOK_TIMEOUT_MS: '400',
  HERALD_WEBHOOK_POLL_MS: '20',
  HERALD_WEBHOOK_MAX_ATTEMPTS: '3',
}

const call = (
  h: TestHerald,
  key: string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: object,
) => h.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, payload })

async function register(h: TestHerald, key: string, url: string, events: string[]) {
  const res = await call(h, key, 'POST', '/v1/webhooks', { url, events })
  assert.equal(res.statusCode, 201, res.body)
  return res.json() as { id: string; secret: string; url: string; events: string[] }
}

/** Resolves with the first recorded attempt `pick` accepts (the worker's own event: no polling). */
const settled = (h: TestHerald, pick: (d: ClaimedDelivery, o: AttemptOutcome) => boolean) =>
  new Promise<{ d: ClaimedDelivery; o: AttemptOutcome }>((resolve) => {
    const off = h.webhooks.worker.onSettled((d, o) => {
      if (!pick(d, o)) return
      off()
      resolve({ d, o })
    })
  })

const as = async (h: TestHerald, tenant: string, user: string) => ({
  authorization: `Bearer ${await h.token({ tenant, user })}`,
})

describeEngines(
  'webhooks: deliveries',
  (get) => {
    let rx: Receiver
    before(async () => {
      rx = await startReceiver()
      get().webhooks.worker.start()
    })
    after(() => rx.close())

    test('a send delivers notification.created and send.completed, signed with the secret', async () => {
      const h = get()
      const t = h.tenant()
      const key = await h.apiKey(t)
      const hook = await register(h, key, rx.url(`/${t}`), [
        'notification.created',
        'send.completed',
      ])
      assert.match(hook.secret, /^whsec_[A-Za-z0-9+/]{32}$/)
      const n = await sendOne(h, key, 'alice', { type: 'comment', title: 'Hi', data: { k: 1 } })
      const got = await rx.waitFor((r) => r.path === `/${t}`, 2)
      const created = got.find((r) => r.json.type === 'notification.created')
      const done = got.find((r) => r.json.type === 'send.completed')
      assert.ok(created && done)
      for (const r of got) {
        assert.ok(verifies(hook.secret, r), 'the signature verifies with the secret')
        assert.match(r.id, /^msg_[0-9a-f]{32}$/)
        assert.ok(Math.abs(Number(r.timestamp) - Date.now() / 1000) < 60)
        assert.equal(verifies(`whsec_${Buffer.alloc(24, 1).toString('base64')}`, r), false)
      }
      assert.equal(created.json.data.userId, 'alice')
      const made = created.json.data.notification as Record<string, unknown>
      assert.equal(made.id, n.id)
      assert.equal(made.uuid, n.uuid)
      assert.equal(made.title, 'Hi')
      assert.deepEqual(made.data, { k: 1 })
      assert.equal(done.json.data.recipients, 1)
      assert.deepEqual(done.json.data.notifications, [
        { recipientId: 'alice', id: n.id, uuid: n.uuid },
      ])
    })

    test('read, unread, dismissed and deleted arrive with the notification; unsubscribed events do not', async () => {
      const h = get()
      const t = h.tenant()
      const key = await h.apiKey(t)
      const path = `/${t}`
      await register(h, key, rx.url(path), [
        'notification.read',
        'notification.unread',
        'notification.dismissed',
        'notification.deleted',
      ])
      const n = await sendOne(h, key, 'bob', { type: 'x', title: 'Hello' })
      const headers = await as(h, t, 'bob')
      for (const action of ['read', 'unread', 'dismiss']) {
        const res = await h.app.inject({
          method: 'POST',
          url: `/v1/me/notifications/${n.id}/${action}`,
          headers,
        })
        assert.equal(res.statusCode, 200, res.body)
      }
      const del = await h.app.inject({
        method: 'DELETE',
        url: `/v1/me/notifications/${n.id}`,
        headers,
      })
      assert.equal(del.statusCode, 204)
      const got = await rx.waitFor((r) => r.path === path, 4)
      const types = got.map((r) => r.json.type).sort()
      assert.deepEqual(types, [
        'notification.deleted',
        'notification.dismissed',
        'notification.read',
        'notification.unread',
      ])
      const read = got.find((r) => r.json.type === 'notification.read')
      assert.equal(read?.json.data.userId, 'bob')
      assert.deepEqual(read?.json.data.ids, [n.id])
      assert.equal(read?.json.data.count, 1)
      assert.equal(read?.json.data.bulk, false)
      const shown = read?.json.data.notification as { id: number; readAt: string | null }
      assert.equal(shown.id, n.id)
      assert.ok(shown.readAt)
      const dismissed = got.find((r) => r.json.type === 'notification.dismissed')
      assert.ok(dismissed)
      assert.ok((dismissed.json.data.notification as { archivedAt: string | null }).archivedAt)
      assert.equal(rx.received.filter((r) => r.path === path).length, 4, 'no created event')
    })

    test('a dialect change fires too (Ondi marks all read): one bulk event with the count', async () => {
      const h = get()
      const t = randomUUID()
      const key = await h.apiKey(t)
      const path = `/${t}`
      await register(h, key, rx.url(path), ['notification.read'])
      for (let i = 0; i < 3; i++) await sendOne(h, key, 'carol', { type: 'x', title: `N${i}` })
      const res = await h.app.inject({
        method: 'PUT',
        url: '/compat/ondi/messaging/notifications/mark-read',
        headers: await as(h, t, 'carol'),
      })
      assert.equal(res.statusCode, 200, res.body)
      const [r] = await rx.waitFor((x) => x.path === path)
      assert.equal(r?.json.type, 'notification.read')
      assert.deepEqual(
        {
          bulk: r?.json.data.bulk,
          count: r?.json.data.count,
          countCapped: r?.json.data.countCapped,
          ids: r?.json.data.ids,
        },
        { bulk: true, count: 3, countCapped: false, ids: null },
      )
    })

    test('a bulk change names at most 100 ids and counts them all, in one event; a mark-all counts to 99', async () => {
      const h = get()
      const t = h.tenant()
      const key = await h.apiKey(t)
      const path = `/${t}`
      await register(h, key, rx.url(path), ['notification.read'])
      // 120 notifications of one user, sent concurrently.
      const sent = await Promise.all(
        Array.from({ length: 120 }, () => sendOne(h, key, 'dave', { type: 'x', title: 'one' })),
      )
      const ids = sent.map((n) => n.id)
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/me/notifications/bulk',
        headers: await as(h, t, 'dave'),
        payload: { action: 'read', ids },
      })
      assert.equal(res.statusCode, 200, res.body)
      const got = await rx.waitFor((x) => x.path === path)
      assert.equal(got.length, 1)
      const data = got[0]?.json.data
      assert.ok(data)
      assert.equal(data.count, 120)
      assert.equal(data.countCapped, false)
      assert.equal((data.ids as number[]).length, 100)
      assert.equal(data.idsTruncated, true)
      // Unread again, then read by the native mark-all, which counts up to its cap only.
      const headers = await as(h, t, 'dave')
      const url = '/v1/me/notifications/bulk'
      const payload = { action: 'unread', ids }
      assert.equal((await h.app.inject({ method: 'POST', url, headers, payload })).statusCode, 200)
      const all = { action: 'read', filter: {} }
      const marked = await h.app.inject({ method: 'POST', url, headers, payload: all })
      assert.deepEqual(marked.json(), { changed: 99, capped: true, notFound: [] })
      const both = await rx.waitFor((x) => x.path === path, 2)
      const last = both.find((x) => x.json.data.ids === null)
      assert.deepEqual(
        {
          count: last?.json.data.count,
          countCapped: last?.json.data.countCapped,
          ids: last?.json.data.ids,
        },
        { count: 99, countCapped: true, ids: null },
      )
    })

    test('a failing receiver (500, then 200) is retried; the delivery shows attempts and last status', async () => {
      const h = get()
      const t = h.tenant()
      const key = await h.apiKey(t)
      const path = `/${t}`
      const hook = await register(h, key, rx.url(path), ['send.completed'])
      rx.answer([500], 200)
      const ok = settled(h, (d, o) => d.tenantId === t && o.status === 'delivered')
      await sendOne(h, key, 'erin', { type: 'x', title: 'retry me' })
      const { d } = await ok
      assert.equal(d.attempts, 2)
      const list = await call(h, key, 'GET', `/v1/webhooks/${hook.id}/deliveries`)
      assert.equal(list.statusCode, 200)
      const [one] = list.json().items
      assert.equal(one.id, d.messageId)
      assert.equal(one.status, 'delivered')
      assert.equal(one.attempts, 2)
      assert.equal(one.lastStatus, 200)
      assert.equal(one.lastError, null)
      assert.equal(one.nextAttemptAt, null)
      assert.ok(one.deliveredAt)
      assert.equal(one.payload.type, 'send.completed')
      // The receiver saw the same message both times (its retry keeps the webhook-id).
      const got = await rx.waitFor((x) => x.path === path)
      assert.equal(got[0]?.id, d.messageId)
    })

    test('a receiver that always fails is given up after HERALD_WEBHOOK_MAX_ATTEMPTS', async () => {
      const h = get()
      const t = h.tenant()
      const key = await h.apiKey(t)
      const hook = await register(h, key, rx.url(`/${t}`), ['send.completed'])
      rx.answer([503, 503, 503])
      const failed = settled(h, (d, o) => d.tenantId === t && o.status === 'failed')
      await sendOne(h, key, 'fay', { type: 'x', title: 'never' })
      await failed
      const [one] = (await call(h, key, 'GET', `/v1/webhooks/${hook.id}/deliveries`)).json().items
      assert.deepEqual(
        { status: one.status, attempts: one.attempts, last: one.lastStatus, err: one.lastError },
        { status: 'failed', attempts: 3, last: 503, err: 'HTTP 503' },
      )
      assert.equal(one.nextAttemptAt, null)
    })

    test('a hung receiver times out, and the retry is delivered', async () => {
      const h = get()
      const t = h.tenant()
      const key = await h.apiKey(t)
      const hook = await register(h, key, rx.url(`/${t}`), ['send.completed'])
      rx.answer(['hang'])
      const timedOut = settled(h, (d, o) => d.tenantId === t && o.status === 'pending')
      const ok = settled(h, (d, o) => d.tenantId === t && o.status === 'delivered')
      const started = Date.now()
      await sendOne(h, key, 'gus', { type: 'x', title: 'slow' })
      const first = await timedOut
      assert.equal(first.o.lastError, 'no answer within 400 ms')
      assert.equal(first.o.lastStatus, null)
      assert.ok(Date.now() - started < 5000)
      await ok
      const [one] = (await call(h, key, 'GET', `/v1/webhooks/${hook.id}/deliveries`)).json().items
      assert.equal(one.attempts, 2)
      assert.equal(one.status, 'delivered')
    })

    test("another tenant's events never reach an endpoint; a disabled endpoint gets nothing", async () => {
      const h = get()
      const a = h.tenant()
      const b = h.tenant()
      const keyA = await h.apiKey(a)
      const keyB = await h.apiKey(b)
      const hookA = await register(h, keyA, rx.url(`/${a}`), ['send.completed'])
      await register(h, keyB, rx.url(`/${b}`), ['send.completed'])
      await sendOne(h, keyB, 'u', { type: 'x', title: 'for b' })
      await sendOne(h, keyA, 'u', { type: 'x', title: 'for a' })
      await rx.waitFor((r) => r.path === `/${a}`)
      await rx.waitFor((r) => r.path === `/${b}`)
      const atA = rx.received.filter((r) => r.path === `/${a}`)
      assert.equal(atA.length, 1)
      assert.equal(atA[0]?.json.data.title, 'for a')
      // Disabled: the send writes no delivery for it.
      const off = await call(h, keyA, 'PATCH', `/v1/webhooks/${hookA.id}`, { enabled: false })
      assert.equal(off.statusCode, 200)
      assert.equal(off.json().enabled, false)
      await sendOne(h, keyA, 'u', { type: 'x', title: 'while off' })
      await h.webhooks.outbox.flush()
      const list = await call(h, keyA, 'GET', `/v1/webhooks/${hookA.id}/deliveries`)
      assert.equal(list.json().items.length, 1)
    })
  },
  { env: ENV },
)

describeEngines(
  'webhooks: endpoints, validation and isolation',
  (get) => {
    test('create, list, get, change, delete; the secret is shown once', async () => {
      const h = get()
      const key = await h.apiKey(h.tenant())
      const res = await call(h, key, 'POST', '/v1/webhooks', {
        url: 'https://hooks.example.com/herald',
        events: ['notification.read', 'notification.read', 'send.completed'],
        description: 'ours',
      })
      assert.equal(res.statusCode, 201, res.body)
      const made = res.json()
      assert.deepEqual(made.events, ['notification.read', 'send.completed'])
      assert.equal(made.enabled, true)
      assert.match(made.secret, /^whsec_/)
      const list = await call(h, key, 'GET', '/v1/webhooks')
      assert.equal(list.statusCode, 200)
      assert.equal(list.json().items.length, 1)
      assert.equal(list.json().items[0].secret, undefined)
      const one = await call(h, key, 'GET', `/v1/webhooks/${made.id}`)
      assert.equal(one.json().url, 'https://hooks.example.com/herald')
      assert.equal(one.json().secret, undefined)
      const changed = await call(h, key, 'PATCH', `/v1/webhooks/${made.id}`, {
        events: ['notification.deleted'],
        description: null,
      })
      assert.equal(changed.statusCode, 200, changed.body)
      assert.deepEqual(changed.json().events, ['notification.deleted'])
      assert.equal(changed.json().description, null)
      const del = await call(h, key, 'DELETE', `/v1/webhooks/${made.id}`)
      assert.equal(del.statusCode, 204)
      assert.equal((await call(h, key, 'GET', `/v1/webhooks/${made.id}`)).statusCode, 404)
      assert.equal((await call(h, key, 'DELETE', `/v1/webhooks/${made.id}`)).statusCode, 404)
    })

    test('bad URLs and bodies are 400 and create nothing', async () => {
      const h = get()
      const key = await h.apiKey(h.tenant())
      const bad: unknown[] = [
        'ftp://example.com/x',
        'not a url',
        'javascript:alert(1)',
        `https://example.com/${'a'.repeat(2100)}`,
        'https://user:pass@example.com/',
        'http://localhost:8080/',
        'http://app.localhost/',
        'http://127.0.0.1/',
        'http://10.1.2.3/',
        'http://192.168.0.10/',
        'http://169.254.169.254/latest/meta-data',
        'http://[::1]/',
        'http://[::ffff:10.0.0.1]/',
        '',
        42,
      ]
      for (const url of bad) {
        const res = await call(h, key, 'POST', '/v1/webhooks', { url, events: ['send.completed'] })
        assert.equal(res.statusCode, 400, `${String(url).slice(0, 40)}: ${res.body}`)
        assert.equal(res.json().error.code, 'VALIDATION')
      }
      for (const body of [
        { url: 'https://example.com/', events: [] },
        { url: 'https://example.com/', events: ['notification.exploded'] },
        { url: 'https://example.com/' },
        { url: 'https://example.com/', events: ['send.completed'], extra: true },
        { url: 'https://example.com/', events: ['send.completed'], enabled: 'yes' },
      ]) {
        const res = await call(h, key, 'POST', '/v1/webhooks', body)
        assert.equal(res.statusCode, 400, JSON.stringify(body))
      }
      assert.equal((await call(h, key, 'GET', '/v1/webhooks')).json().items.length, 0)
    })

    test("another tenant cannot see, change, delete or list the deliveries of one's webhooks", async () => {
      const h = get()
      const key = await h.apiKey(h.tenant())
      const other = await h.apiKey(h.tenant())
      const hook = await register(h, key, 'https://hooks.example.com/a', ['send.completed'])
      assert.equal((await call(h, other, 'GET', '/v1/webhooks')).json().items.length, 0)
      for (const [method, url, body] of [
        ['GET', `/v1/webhooks/${hook.id}`],
        ['PATCH', `/v1/webhooks/${hook.id}`, { enabled: false }],
        ['DELETE', `/v1/webhooks/${hook.id}`],
        ['GET', `/v1/webhooks/${hook.id}/deliveries`],
        ['GET', '/v1/webhooks/not-a-uuid/deliveries'],
      ] as const) {
        const res = await call(h, other, method, url, body)
        assert.equal(res.statusCode, 404, `${method} ${url}`)
        assert.equal(res.json().error.code, 'NOT_FOUND')
      }
      const still = await call(h, key, 'GET', `/v1/webhooks/${hook.id}`)
      assert.equal(still.json().enabled, true)
    })

    test('no credential is 401; a user token is 403; a bad page parameter is 400', async () => {
      const h = get()
      const t = h.tenant()
      const noKey = await h.app.inject({ method: 'GET', url: '/v1/webhooks' })
      assert.equal(noKey.statusCode, 401)
      const user = await h.app.inject({
        method: 'POST',
        url: '/v1/webhooks',
        headers: await as(h, t, 'u'),
        payload: { url: 'https://example.com/', events: ['send.completed'] },
      })
      assert.equal(user.statusCode, 403)
      const key = await h.apiKey(t)
      const hook = await register(h, key, 'https://hooks.example.com/b', ['send.completed'])
      for (const q of ['limit=0', 'limit=101', 'before=abc', 'before=-1', 'foo=1']) {
        const res = await call(h, key, 'GET', `/v1/webhooks/${hook.id}/deliveries?${q}`)
        assert.equal(res.statusCode, 400, q)
      }
    })

    test('at most HERALD_WEBHOOK_MAX_ENDPOINTS endpoints per tenant (409)', async () => {
      const h = get()
      const key = await h.apiKey(h.tenant())
      await register(h, key, 'https://hooks.example.com/1', ['send.completed'])
      await register(h, key, 'https://hooks.example.com/2', ['send.completed'])
      const res = await call(h, key, 'POST', '/v1/webhooks', {
        url: 'https://hooks.example.com/3',
        events: ['send.completed'],
      })
      assert.equal(res.statusCode, 409)
      assert.equal(res.json().error.code, 'CONFLICT')
    })
  },
  { env: { HERALD_WEBHOOK_MAX_ENDPOINTS: '2' } },
)
