import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'kysely'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'
import { streamClient } from '../support/sse.ts'
import { type Receiver, startReceiver } from '../support/webhook-receiver.ts'

// Topic and tenant sends of at least three members are broadcasts in these suites.
const env = { HERALD_BROADCAST_MIN: '3' }

const call = async (h: TestHerald, auth: string, method: string, url: string, payload?: object) => {
  const res = await h.app.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${auth}` },
    ...(payload === undefined ? {} : { payload }),
  })
  return { status: res.statusCode, json: res.body ? res.json() : null }
}

/** A tenant with a key and the users `ids` in its directory. */
async function tenantWith(h: TestHerald, ids: string[]) {
  const t = h.tenant()
  const key = await h.apiKey(t)
  for (const id of ids) {
    assert.equal((await call(h, key, 'PUT', `/v1/users/${id}`, {})).status, 200)
  }
  return { t, key }
}

const titles = async (h: TestHerald, t: string, user: string) => {
  const token = await h.token({ tenant: t, user })
  const res = await call(h, token, 'GET', '/v1/me/notifications?limit=100')
  assert.equal(res.status, 200)
  return (res.json.items as Array<{ title: string }>).map((n) => n.title)
}

const unread = async (h: TestHerald, t: string, user: string) => {
  const token = await h.token({ tenant: t, user })
  return (await call(h, token, 'GET', '/v1/me/counts')).json.counts.unread as number
}

/** Rows stored for a message: what a broadcast must not write at send time. */
const rowsOf = async (h: TestHerald, t: string, messageId: unknown) => {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM notifications
    WHERE tenant_id = ${t} AND message_id = ${Number(messageId)}`.execute(h.storage.db)
  return Number(rows[0]?.n)
}

describeEngines(
  'broadcasts: sends to a tenant or a topic stored once, copied on read',
  (get) => {
    const client = streamClient(() => get().app)

    test('a tenant send writes no row per member; each member reads it as their own', async () => {
      const h = get()
      const { t, key } = await tenantWith(h, ['a', 'b', 'c', 'muted'])
      const mute = await h.token({ tenant: t, user: 'muted' })
      const pref = await call(h, mute, 'PUT', '/v1/me/preferences', {
        types: { news: { inApp: false } },
        categories: {},
      })
      assert.equal(pref.status, 200, JSON.stringify(pref.json))
      const res = await send(h, key, { to: { tenant: true }, type: 'news', title: 'To all' })
      assert.equal(res.status, 201)
      assert.equal(res.json.broadcast, true)
      assert.equal(res.json.recipients, 4)
      assert.equal(res.json.notifications, null)
      assert.equal(await rowsOf(h, t, res.json.messageId), 0)
      // A user who joined after the send does not get it.
      await call(h, key, 'PUT', '/v1/users/late', {})

      assert.deepEqual(await titles(h, t, 'a'), ['To all'])
      assert.equal(await unread(h, t, 'b'), 1)
      assert.deepEqual(await titles(h, t, 'muted'), [])
      assert.deepEqual(await titles(h, t, 'late'), [])
      assert.equal(await rowsOf(h, t, res.json.messageId), 2)
      // Read again: still one row each.
      assert.deepEqual(await titles(h, t, 'a'), ['To all'])
      assert.equal(await rowsOf(h, t, res.json.messageId), 2)
    })

    test('state changes on a copied row; a later send lists above it', async () => {
      const h = get()
      const { t, key } = await tenantWith(h, ['a', 'b', 'c'])
      await send(h, key, { to: { tenant: true }, type: 'news', title: 'Broadcast' })
      const token = await h.token({ tenant: t, user: 'b' })
      const list = await call(h, token, 'GET', '/v1/me/notifications')
      const id = list.json.items[0].id as number
      const read = await call(h, token, 'POST', `/v1/me/notifications/${id}/read`)
      assert.equal(read.status, 200, JSON.stringify(read.json))
      assert.equal(await unread(h, t, 'b'), 0)
      assert.equal(await unread(h, t, 'a'), 1)
      await send(h, key, { to: { users: ['b'] }, type: 'comment', title: 'Direct' })
      assert.deepEqual(await titles(h, t, 'b'), ['Direct', 'Broadcast'])
      const del = await call(h, token, 'DELETE', `/v1/me/notifications/${id}`)
      assert.equal(del.status, 204)
      // Deleted stays deleted: the user's cursor is past the broadcast.
      assert.deepEqual(await titles(h, t, 'b'), ['Direct'])
    })

    test('a topic send reaches its subscribers of the time, not others', async () => {
      const h = get()
      const { t, key } = await tenantWith(h, [])
      const subs = await call(h, key, 'PUT', '/v1/topics/p1/subscribers', {
        add: ['s1', 's2', 's3'],
      })
      assert.equal(subs.status, 200, JSON.stringify(subs.json))
      const res = await send(h, key, { to: { topic: 'p1' }, type: 'news', title: 'Topic' })
      assert.equal(res.json.broadcast, true)
      assert.equal(res.json.recipients, 3)
      await call(h, key, 'PUT', '/v1/topics/p1/subscribers', { add: ['s4'] })
      assert.deepEqual(await titles(h, t, 's2'), ['Topic'])
      assert.deepEqual(await titles(h, t, 's4'), [])
      assert.deepEqual(await titles(h, t, 'outsider'), [])
    })

    test('an expired broadcast is never copied', async () => {
      const h = get()
      const { t, key } = await tenantWith(h, ['a', 'b', 'c'])
      const past = new Date(Date.now() - 60_000).toISOString()
      const res = await send(h, key, {
        to: { tenant: true },
        type: 'news',
        title: 'Gone',
        expiresAt: past,
      })
      assert.equal(res.json.broadcast, true)
      assert.deepEqual(await titles(h, t, 'a'), [])
      assert.equal(await rowsOf(h, t, res.json.messageId), 0)
    })

    test('the clean-up keeps a live broadcast and its message, and drops an expired one', async () => {
      const h = get()
      const { t, key } = await tenantWith(h, ['a', 'b', 'c'])
      const live = await send(h, key, { to: { tenant: true }, type: 'news', title: 'Live' })
      const soon = new Date(Date.now() + 60_000).toISOString()
      const gone = await send(h, key, {
        to: { tenant: true },
        type: 'news',
        title: 'Gone',
        expiresAt: soon,
      })
      // Expire it now: a broadcast's expiry is only ever in the past by the clock's moving on.
      await sql`UPDATE broadcasts SET expires_at = now() - interval '1 second'
        WHERE tenant_id = ${t} AND message_id = ${Number(gone.json.messageId)}`.execute(
        h.storage.db,
      )
      const run = await h.cleanup.purgeAll(t)
      assert.equal(run.broadcasts, 1)
      const { rows } = await sql<{ id: number }>`SELECT id FROM messages WHERE tenant_id = ${t}
        ORDER BY id`.execute(h.storage.db)
      assert.deepEqual(
        rows.map((r) => Number(r.id)),
        [Number(live.json.messageId)],
      )
      assert.deepEqual(await titles(h, t, 'a'), ['Live'])
    })

    test('below the threshold a send writes its rows as before', async () => {
      const h = get()
      const { t, key } = await tenantWith(h, [])
      await call(h, key, 'PUT', '/v1/topics/small/subscribers', { add: ['x', 'y'] })
      const res = await send(h, key, { to: { topic: 'small' }, type: 'news', title: 'Few' })
      assert.equal(res.json.broadcast, false)
      assert.equal(await rowsOf(h, t, res.json.messageId), 2)
    })

    test('an idempotent replay answers the first broadcast and copies it once', async () => {
      const h = get()
      const { t, key } = await tenantWith(h, ['a', 'b', 'c'])
      const body = { to: { tenant: true }, type: 'news', title: 'Once' }
      const post = () =>
        h.app.inject({
          method: 'POST',
          url: '/v1/notifications',
          headers: { authorization: `Bearer ${key}`, 'idempotency-key': 'k1' },
          payload: body,
        })
      const first = (await post()).json()
      const again = await post()
      assert.equal(again.statusCode, 201)
      assert.equal(again.json().replayed, true)
      assert.equal(again.json().broadcast, true)
      assert.equal(again.json().messageId, first.messageId)
      assert.deepEqual(await titles(h, t, 'c'), ['Once'])
    })

    test('an open stream gets the broadcast as a new notification', async () => {
      const h = get()
      const { t, key } = await tenantWith(h, ['a', 'b', 'c'])
      const stream = await client.open(await h.token({ tenant: t, user: 'a' }))
      const next = stream.next
      assert.deepEqual((await next()).data, { unread: 0, unseen: 0 })
      await send(h, key, { to: { tenant: true }, type: 'news', title: 'Live to all' })
      const created = await next()
      assert.equal(created.event, 'notification.created')
      assert.equal(created.data.title, 'Live to all')
      stream.close()
    })

    test('a dialect lists it too (Tasking Manager)', async () => {
      const h = get()
      const { t, key } = await tenantWith(h, ['5', '6', '7'])
      await send(h, key, { to: { tenant: true }, type: 'system', title: 'Dialect sees it' })
      const jwt = await h.token({ tenant: t, user: '6' })
      const res = await h.app.inject({
        url: '/compat/tasking-manager/api/v2/notifications/',
        headers: { authorization: `Token ${Buffer.from(jwt).toString('base64')}` },
      })
      assert.equal(res.statusCode, 200, res.body)
      const items = res.json().userMessages as Array<{ subject: string }>
      assert.deepEqual(
        items.map((m) => m.subject),
        ['Dialect sees it'],
      )
    })
  },
  { env },
)

describeEngines(
  'broadcasts: webhooks',
  (get) => {
    let rx: Receiver
    before(async () => {
      rx = await startReceiver()
      get().webhooks.worker.start()
    })
    after(() => rx.close())

    test('a broadcast fires one send.completed, and no notification.created per member', async () => {
      const h = get()
      const { t, key } = await tenantWith(h, ['a', 'b', 'c'])
      const hook = await call(h, key, 'POST', '/v1/webhooks', {
        url: rx.url(`/${t}`),
        events: ['notification.created', 'send.completed'],
      })
      assert.equal(hook.status, 201, JSON.stringify(hook.json))
      const res = await send(h, key, { to: { tenant: true }, type: 'news', title: 'All' })
      assert.equal(res.json.broadcast, true)
      for (const u of ['a', 'b', 'c']) assert.deepEqual(await titles(h, t, u), ['All'])
      // A send to one user after the copies: its two events come after the broadcast's in the
      // outbox, so once they are delivered every event before them has been written.
      await send(h, key, { to: { users: ['a'] }, type: 'news', title: 'Marker' })
      await rx.waitFor((r) => r.path === `/${t}` && r.json.type === 'notification.created')
      const list = await call(h, key, 'GET', `/v1/webhooks/${hook.json.id}/deliveries`)
      const types = (list.json.items as Array<{ payload: { type: string; data: never } }>).map(
        (d) => d.payload.type,
      )
      assert.deepEqual(types.sort(), ['notification.created', 'send.completed', 'send.completed'])
      const done = (
        list.json.items as Array<{
          payload: { type: string; data: { messageId: number; recipients: number } }
        }>
      ).find((d) => d.payload.data.messageId === res.json.messageId)
      assert.equal(done?.payload.type, 'send.completed')
      assert.equal(done?.payload.data.recipients, 3)
    })
  },
  {
    env: {
      ...env,
      HERALD_WEBHOOK_ALLOW_PRIVATE: 'true',
      HERALD_WEBHOOK_POLL_MS: '20',
    },
  },
)
