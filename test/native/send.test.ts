import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'

const post = (h: TestHerald, key: string, payload: object, idem?: string) =>
  h.app.inject({
    method: 'POST',
    url: '/v1/notifications',
    headers: { authorization: `Bearer ${key}`, ...(idem ? { 'idempotency-key': idem } : {}) },
    payload,
  })

async function inboxOf(h: TestHerald, tenant: string, user: string) {
  const token = await h.token({ tenant, user })
  const res = await h.app.inject({
    url: '/v1/me/notifications?limit=100',
    headers: { authorization: `Bearer ${token}` },
  })
  return res.json().items as Array<{ id: number; title: string }>
}

describeEngines('native send: audiences and validation', (get) => {
  test('to users: one notification per distinct recipient, ids returned', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    const res = await send(h, key, { to: { users: ['a', 'b', 'a', 7] }, type: 'x', title: 'Hi' })
    assert.equal(res.status, 201)
    assert.equal(res.json.recipients, 3)
    assert.equal(res.json.replayed, false)
    const made = res.json.notifications as Array<{ recipientId: string; id: number; uuid: string }>
    assert.deepEqual(made.map((n) => n.recipientId).sort(), ['7', 'a', 'b'])
    const [a] = await inboxOf(h, t, 'a')
    assert.equal(a?.id, made.find((n) => n.recipientId === 'a')?.id)
    assert.equal((await inboxOf(h, t, '7')).length, 1)
  })

  test('UUIDs are time-ordered (version 7), so a large send appends to their index', async () => {
    const h = get()
    const key = await h.apiKey(h.tenant())
    const first = await send(h, key, { to: { users: ['a', 'b'] }, type: 'x', title: 'One' })
    const second = await send(h, key, { to: { users: ['a'] }, type: 'x', title: 'Two' })
    const uuids = [first, second].flatMap((r) =>
      (r.json.notifications as Array<{ uuid: string }>).map((n) => n.uuid),
    )
    for (const u of uuids) assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab]/)
    // The first 48 bits are milliseconds: a later send never sorts before an earlier one.
    const later = uuids[2] ?? ''
    for (const u of uuids.slice(0, 2)) assert.ok(u.slice(0, 13) <= later.slice(0, 13))
  })

  test('to a topic: its subscribers only', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    await h.app.inject({
      method: 'PUT',
      url: '/v1/topics/p1/subscribers',
      headers: { authorization: `Bearer ${key}` },
      payload: { add: ['s1', 's2'] },
    })
    const res = await send(h, key, { to: { topic: 'p1' }, type: 'x', title: 'Topic' })
    assert.equal(res.json.recipients, 2)
    assert.equal((await inboxOf(h, t, 's1')).length, 1)
    assert.equal((await inboxOf(h, t, 'outsider')).length, 0)
  })

  test('to the tenant: every enabled user of this tenant, none of another', async () => {
    const h = get()
    const t = h.tenant()
    const other = h.tenant()
    const key = await h.apiKey(t)
    const otherKey = await h.apiKey(other)
    const put = (k: string, id: string, body: object) =>
      h.app.inject({
        method: 'PUT',
        url: `/v1/users/${id}`,
        headers: { authorization: `Bearer ${k}` },
        payload: body,
      })
    await put(key, 'on1', {})
    await put(key, 'on2', {})
    await put(key, 'off', { disabled: true })
    await put(otherKey, 'on1', {})
    const res = await send(h, key, { to: { tenant: true }, type: 'x', title: 'All' })
    assert.equal(res.json.recipients, 2)
    assert.equal((await inboxOf(h, t, 'off')).length, 0)
    assert.equal((await inboxOf(h, other, 'on1')).length, 0)
  })

  test('validation: audience, required fields, types, unknown fields; nothing is created', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    const cases: Array<[object, RegExp]> = [
      [{ to: {}, type: 'x', title: 'y' }, /^to$/],
      [{ to: { users: ['a'], topic: 'p' }, type: 'x', title: 'y' }, /^to$/],
      [{ to: { users: [] }, type: 'x', title: 'y' }, /to\.users/],
      [{ to: { tenant: false }, type: 'x', title: 'y' }, /to\.tenant/],
      [{ to: { users: ['a'] }, title: 'y' }, /body\.type/],
      [{ to: { users: ['a'] }, type: 'x' }, /body\.title/],
      [{ to: { users: ['a'] }, type: 'x', title: '   ' }, /^title$/],
      [{ to: { users: ['a'] }, type: 'x', title: 'y', colour: 'red' }, /body\.colour/],
      [{ to: { users: ['a'] }, type: 'x', title: 'y', createdAt: 'yesterday' }, /createdAt/],
      [{ to: { users: ['a'] }, type: 'x', title: 'y', important: 'very' }, /important/],
      [{ to: { users: ['a'] }, type: 'x', title: 'y', keepLatest: 0 }, /keepLatest/],
      [{ to: { users: ['a b'] }, type: 'x', title: 'y' }, /to\.users/],
      [{ to: { users: ['a'] }, type: 'x', title: 'y', actor: { name: 'n' } }, /actor/],
    ]
    for (const [body, field] of cases) {
      const res = await post(h, key, body)
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)} → ${res.body}`)
      const e = res.json().error
      assert.equal(e.code, 'VALIDATION')
      assert.match(String(e.details?.field), field, JSON.stringify(e))
      assert.ok(e.message.length > 0)
    }
    assert.equal((await inboxOf(h, t, 'a')).length, 0)
  })
})

describeEngines('native send: idempotency', (get) => {
  test('a retry with the same key creates nothing and answers as the first time', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    const body = { to: { users: ['a', 'b'] }, type: 'x', title: 'Once', data: { n: 1, z: [1] } }
    const first = await post(h, key, body, 'k-1')
    assert.equal(first.statusCode, 201)
    assert.equal(first.headers['idempotent-replayed'], undefined)
    const again = await post(h, key, body, 'k-1')
    assert.equal(again.statusCode, 201)
    assert.equal(again.headers['idempotent-replayed'], 'true')
    assert.deepEqual({ ...(again.json() as object), replayed: false }, first.json())
    assert.equal(again.json().replayed, true)
    // Key order does not matter, at any depth.
    const reordered = {
      data: { z: [1], n: 1 },
      title: 'Once',
      type: 'x',
      to: { users: ['a', 'b'] },
    }
    assert.equal((await post(h, key, reordered, 'k-1')).json().replayed, true)
    assert.equal((await inboxOf(h, t, 'a')).length, 1)
  })

  test('the same key with a different body is a 409 and creates nothing', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    await post(h, key, { to: { users: ['a'] }, type: 'x', title: 'One' }, 'k-2')
    const res = await post(h, key, { to: { users: ['a'] }, type: 'x', title: 'Two' }, 'k-2')
    assert.equal(res.statusCode, 409)
    assert.equal(res.json().error.code, 'CONFLICT')
    assert.equal(res.json().error.details.idempotencyKey, 'k-2')
    const items = await inboxOf(h, t, 'a')
    assert.deepEqual(
      items.map((n) => n.title),
      ['One'],
    )
  })

  test('keys are per tenant; concurrent retries create one send', async () => {
    const h = get()
    const a = h.tenant()
    const b = h.tenant()
    const ka = await h.apiKey(a)
    const kb = await h.apiKey(b)
    const body = { to: { users: ['u'] }, type: 'x', title: 'Same key' }
    const results = await Promise.all([1, 2, 3, 4].map(() => post(h, ka, body, 'shared')))
    assert.ok(
      results.every((r) => r.statusCode === 201 || r.statusCode === 409),
      'no 5xx',
    )
    assert.equal((await inboxOf(h, a, 'u')).length, 1)
    const other = await post(h, kb, body, 'shared')
    assert.equal(other.json().replayed, false)
    assert.equal((await inboxOf(h, b, 'u')).length, 1)
  })

  test('an empty or oversized key is refused', async () => {
    const h = get()
    const key = await h.apiKey(h.tenant())
    const body = { to: { users: ['u'] }, type: 'x', title: 't' }
    const long = await post(h, key, body, 'k'.repeat(300))
    assert.equal(long.statusCode, 400)
    assert.match(long.json().error.details.field, /idempotency-key/)
  })
})
