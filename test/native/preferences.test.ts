import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'

type Method = 'GET' | 'PUT' | 'DELETE'

const call = async (
  h: TestHerald,
  bearer: string,
  method: Method,
  url: string,
  payload?: object,
) => {
  const res = await h.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${bearer}` },
    ...(payload === undefined ? {} : { payload }),
  })
  return { status: res.statusCode, json: res.body ? res.json() : null }
}

const off = { inApp: false }
const on = { inApp: true }

async function inboxTypes(h: TestHerald, tenant: string, user: string) {
  const token = await h.token({ tenant, user })
  const res = await call(h, token, 'GET', '/v1/me/notifications?limit=100')
  return (res.json.items as Array<{ type: string }>).map((n) => n.type).sort()
}

/** A tenant with a key, the categories `social` (comment, like) and `digest` (weekly). */
async function world(h: TestHerald) {
  const t = h.tenant()
  const key = await h.apiKey(t)
  const put = await call(h, key, 'PUT', '/v1/preferences', {
    categories: {
      social: { types: ['comment', 'like'], inApp: null },
      digest: { types: ['weekly'], inApp: false },
    },
    types: {},
  })
  assert.equal(put.status, 200, JSON.stringify(put.json))
  return { t, key }
}

describeEngines('native preferences: documents', (get) => {
  test('a user reads and replaces their own; the tenant defaults come along', async () => {
    const h = get()
    const { t } = await world(h)
    const token = await h.token({ tenant: t, user: 'ann' })
    const empty = await call(h, token, 'GET', '/v1/me/preferences')
    assert.equal(empty.status, 200)
    assert.deepEqual(empty.json.types, {})
    assert.deepEqual(empty.json.categories, {})
    assert.deepEqual(empty.json.defaults.categories.digest, { types: ['weekly'], inApp: false })
    assert.deepEqual(empty.json.defaults.categories.social, {
      types: ['comment', 'like'],
      inApp: null,
    })
    const put = await call(h, token, 'PUT', '/v1/me/preferences', {
      types: { like: off },
      categories: { digest: on },
    })
    assert.equal(put.status, 200, JSON.stringify(put.json))
    assert.deepEqual(put.json.types, { like: off })
    const again = await call(h, token, 'GET', '/v1/me/preferences')
    assert.deepEqual(again.json.types, { like: off })
    assert.deepEqual(again.json.categories, { digest: on })
    // A PUT replaces: what it leaves out is gone.
    await call(h, token, 'PUT', '/v1/me/preferences', { types: { comment: off } })
    const replaced = await call(h, token, 'GET', '/v1/me/preferences')
    assert.deepEqual(replaced.json.types, { comment: off })
    assert.deepEqual(replaced.json.categories, {})
  })

  test('a producer manages a known user; an unknown or another tenant’s user is 404', async () => {
    const h = get()
    const { t, key } = await world(h)
    const other = await world(h)
    await call(h, key, 'PUT', '/v1/users/dir', {})
    await send(h, key, { to: { users: ['past'] }, type: 'x', title: 'hi' })
    await call(h, other.key, 'PUT', '/v1/users/theirs', {})
    for (const id of ['dir', 'past']) {
      const put = await call(h, key, 'PUT', `/v1/users/${id}/preferences`, { types: { x: off } })
      assert.equal(put.status, 200, `${id}: ${JSON.stringify(put.json)}`)
      const got = await call(h, key, 'GET', `/v1/users/${id}/preferences`)
      assert.deepEqual(got.json.types, { x: off })
    }
    for (const id of ['theirs', 'nobody']) {
      const put = await call(h, key, 'PUT', `/v1/users/${id}/preferences`, { types: { x: off } })
      assert.equal(put.status, 404, id)
      assert.equal(put.json.error.code, 'NOT_FOUND')
      assert.equal((await call(h, key, 'GET', `/v1/users/${id}/preferences`)).status, 404)
    }
    // The other tenant's user was not touched.
    const theirs = await call(h, other.key, 'GET', '/v1/users/theirs/preferences')
    assert.deepEqual(theirs.json.types, {})
    // And the user sees what the producer set.
    const token = await h.token({ tenant: t, user: 'dir' })
    assert.deepEqual((await call(h, token, 'GET', '/v1/me/preferences')).json.types, { x: off })
  })

  test('a user cannot reach another user’s preferences, nor the producer routes', async () => {
    const h = get()
    const { t, key } = await world(h)
    await call(h, key, 'PUT', '/v1/users/bob', {})
    await call(h, key, 'PUT', '/v1/users/bob/preferences', { types: { x: off } })
    const ann = await h.token({ tenant: t, user: 'ann' })
    const admin = await h.token({ tenant: t, user: 'root', admin: true })
    for (const token of [ann, admin]) {
      assert.equal((await call(h, token, 'GET', '/v1/users/bob/preferences')).status, 403)
      const put = await call(h, token, 'PUT', '/v1/users/bob/preferences', { types: {} })
      assert.equal(put.status, 403)
      assert.equal(
        (await call(h, token, 'PUT', '/v1/preferences', { categories: {}, types: {} })).status,
        403,
      )
    }
    assert.deepEqual((await call(h, key, 'GET', '/v1/users/bob/preferences')).json.types, {
      x: off,
    })
    // An API key has no "me".
    assert.equal((await call(h, key, 'GET', '/v1/me/preferences')).status, 403)
    assert.equal((await call(h, 'nonsense', 'GET', '/v1/me/preferences')).status, 401)
  })

  test('bad documents are 400 and change nothing', async () => {
    const h = get()
    const { t, key } = await world(h)
    const token = await h.token({ tenant: t, user: 'ann' })
    await call(h, token, 'PUT', '/v1/me/preferences', { types: { keep: off } })
    const many = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, off]))
    const bad: object[] = [
      { types: { x: off }, colour: 'red' },
      { types: { x: { inApp: false, email: true } } },
      { types: { x: { inApp: 'no' } } },
      { types: { x: true } },
      { types: many(201) },
      { types: { ['y'.repeat(129)]: off } },
      { types: { '': off } },
      { categories: { nosuch: off } },
      { categories: { ['c'.repeat(65)]: off } },
      [],
    ]
    for (const body of bad) {
      const res = await call(h, token, 'PUT', '/v1/me/preferences', body)
      assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 80)} → ${res.status}`)
      assert.equal(res.json.error.code, 'VALIDATION')
    }
    assert.deepEqual((await call(h, token, 'GET', '/v1/me/preferences')).json.types, { keep: off })

    const tenantBad: object[] = [
      { categories: {} },
      { categories: {}, types: {}, extra: 1 },
      {
        categories: { a: { types: ['x'], inApp: null }, b: { types: ['x'], inApp: null } },
        types: {},
      },
      { categories: { a: { types: ['x'] } }, types: {} },
      { categories: { a: { types: Array(201).fill('x'), inApp: null } }, types: {} },
      {
        categories: Object.fromEntries(
          Array.from({ length: 51 }, (_, i) => [`c${i}`, { types: [], inApp: null }]),
        ),
        types: {},
      },
    ]
    for (const body of tenantBad) {
      const res = await call(h, key, 'PUT', '/v1/preferences', body)
      assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 80)} → ${res.status}`)
    }
    const kept = await call(h, key, 'GET', '/v1/preferences')
    assert.deepEqual(Object.keys(kept.json.categories).sort(), ['digest', 'social'])
  })

  test('a category the tenant removes takes users’ settings for it along', async () => {
    const h = get()
    const { t, key } = await world(h)
    const token = await h.token({ tenant: t, user: 'ann' })
    await call(h, token, 'PUT', '/v1/me/preferences', { categories: { social: off, digest: on } })
    await call(h, key, 'PUT', '/v1/preferences', {
      categories: { digest: { types: ['weekly'], inApp: false } },
      types: {},
    })
    const mine = await call(h, token, 'GET', '/v1/me/preferences')
    assert.deepEqual(mine.json.categories, { digest: on })
  })
})

describeEngines('native preferences: sends', (get) => {
  test('precedence: user type > user category > tenant type > tenant category > on', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    await call(h, key, 'PUT', '/v1/preferences', {
      categories: {
        social: { types: ['comment', 'like'], inApp: false },
        news: { types: ['release'], inApp: null },
      },
      types: { like: on, billing: off },
    })
    const prefs = async (user: string, body: object) => {
      const token = await h.token({ tenant: t, user })
      const res = await call(h, token, 'PUT', '/v1/me/preferences', body)
      assert.equal(res.status, 200, JSON.stringify(res.json))
    }
    await prefs('a', { types: { comment: on }, categories: { social: off } }) // type beats category
    await prefs('b', { categories: { social: on } }) // user category beats tenant defaults
    await prefs('c', { types: { release: off } })
    await prefs('d', {})
    const users = ['a', 'b', 'c', 'd']
    const sent: Record<string, { recipients: number; skipped: number }> = {}
    for (const type of ['comment', 'like', 'billing', 'release', 'other']) {
      const r = await send(h, key, { to: { users }, type, title: type })
      assert.equal(r.status, 201)
      sent[type] = { recipients: Number(r.json.recipients), skipped: Number(r.json.skipped) }
    }
    // comment: tenant category off; a on by type, b on by category.
    assert.deepEqual(sent.comment, { recipients: 2, skipped: 2 })
    // like: the tenant's type default (on) beats its category's; a's own category setting (off)
    // beats both.
    assert.deepEqual(sent.like, { recipients: 3, skipped: 1 })
    // billing: tenant type off; nobody overrides.
    assert.deepEqual(sent.billing, { recipients: 0, skipped: 4 })
    // release: on by default (category without a default); c turned it off.
    assert.deepEqual(sent.release, { recipients: 3, skipped: 1 })
    assert.deepEqual(sent.other, { recipients: 4, skipped: 0 })
    assert.deepEqual(await inboxTypes(h, t, 'a'), ['comment', 'other', 'release'])
    assert.deepEqual(await inboxTypes(h, t, 'b'), ['comment', 'like', 'other', 'release'])
    assert.deepEqual(await inboxTypes(h, t, 'c'), ['like', 'other'])
    assert.deepEqual(await inboxTypes(h, t, 'd'), ['like', 'other', 'release'])
  })

  test('a critical send reaches the muted; an all-muted send says so', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    for (const u of ['a', 'b']) {
      const token = await h.token({ tenant: t, user: u })
      await call(h, token, 'PUT', '/v1/me/preferences', { types: { security: off } })
    }
    const muted = await send(h, key, { to: { users: ['a', 'b'] }, type: 'security', title: 'x' })
    assert.equal(muted.status, 201)
    assert.equal(muted.json.recipients, 0)
    assert.equal(muted.json.skipped, 2)
    assert.deepEqual(muted.json.notifications, [])
    assert.equal(typeof muted.json.messageId, 'number')
    assert.match(String(muted.json.warning), /reached nobody.*turned/)
    const critical = await send(h, key, {
      to: { users: ['a', 'b'] },
      type: 'security',
      title: 'New sign-in',
      critical: true,
    })
    assert.equal(critical.json.recipients, 2)
    assert.equal(critical.json.skipped, 0)
    assert.equal(critical.json.warning, undefined)
    assert.deepEqual(await inboxTypes(h, t, 'a'), ['security'])
  })

  test('large sends (past the one-statement path) count and skip the muted too', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    const users = Array.from({ length: 300 }, (_, i) => `u${i}`)
    await send(h, key, { to: { users }, type: 'warmup', title: 'first' })
    for (const u of users.slice(0, 30)) {
      await call(h, key, 'PUT', `/v1/users/${u}/preferences`, { types: { news: off } })
    }
    const r = await send(h, key, { to: { users }, type: 'news', title: 'n' })
    assert.equal(r.json.recipients, 270)
    assert.equal(r.json.skipped, 30)
    assert.equal(r.json.notifications, null)
    const withKey = await h.app.inject({
      method: 'POST',
      url: '/v1/notifications',
      headers: { authorization: `Bearer ${key}`, 'idempotency-key': 'n-2' },
      payload: { to: { users: ['u0', 'u40'] }, type: 'news', title: 'n2' },
    })
    assert.equal(withKey.json().recipients, 1)
    assert.equal(withKey.json().skipped, 1)
    assert.deepEqual(await inboxTypes(h, t, 'u0'), ['warmup'])
    assert.deepEqual(await inboxTypes(h, t, 'u40'), ['news', 'news', 'warmup'])
  })
})

describeEngines('native send: audiences that reach nobody, and the whole tenant', (get) => {
  test('the tenant audience is the directory and every past recipient, minus the disabled', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    const other = h.tenant()
    const otherKey = await h.apiKey(other)
    const empty = await send(h, key, { to: { tenant: true }, type: 'x', title: 'nobody yet' })
    assert.equal(empty.json.recipients, 0)
    assert.match(String(empty.json.warning), /tenant has no users/)
    await call(h, key, 'PUT', '/v1/users/dir', {})
    await call(h, key, 'PUT', '/v1/users/off', { disabled: true })
    await send(h, key, { to: { users: ['past', 'off'] }, type: 'x', title: 'one' })
    await call(h, key, 'PUT', '/v1/topics/p/subscribers', { add: ['sub'] })
    await send(h, key, { to: { topic: 'p' }, type: 'x', title: 'two' })
    await send(h, otherKey, { to: { users: ['stranger'] }, type: 'x', title: 'elsewhere' })
    const all = await send(h, key, { to: { tenant: true }, type: 'all', title: 'all' })
    assert.equal(all.json.recipients, 3)
    assert.equal(all.json.warning, undefined)
    for (const u of ['dir', 'past', 'sub'])
      assert.ok((await inboxTypes(h, t, u)).includes('all'), u)
    assert.ok(!(await inboxTypes(h, t, 'off')).includes('all'))
    assert.ok(!(await inboxTypes(h, other, 'stranger')).includes('all'))
    // A deleted past recipient is no longer the tenant's.
    assert.equal((await call(h, key, 'DELETE', '/v1/users/past')).status, 204)
    const after = await send(h, key, { to: { tenant: true }, type: 'all', title: 'again' })
    assert.equal(after.json.recipients, 2)
  })

  test('an empty topic says so', async () => {
    const h = get()
    const key = await h.apiKey(h.tenant())
    const r = await send(h, key, { to: { topic: 'nobody-here' }, type: 'x', title: 'y' })
    assert.equal(r.status, 201)
    assert.equal(r.json.recipients, 0)
    assert.equal(r.json.skipped, 0)
    assert.match(String(r.json.warning), /topic "nobody-here" has no subscribers/)
  })
})
