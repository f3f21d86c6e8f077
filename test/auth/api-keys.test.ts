import assert from 'node:assert/strict'
import { test } from 'node:test'
import { newKey } from '../../src/auth/api-keys.ts'
import { badCredentials } from '../support/credentials.ts'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'

const usersWith = (h: TestHerald, authorization: string) =>
  h.app.inject({ url: '/v1/users', headers: { authorization } })

describeEngines('auth: server API keys', (get) => {
  test('a valid key works; the scheme is case-insensitive', async () => {
    const h = get()
    const key = await h.apiKey(h.tenant())
    assert.equal((await usersWith(h, `Bearer ${key}`)).statusCode, 200)
    assert.equal((await usersWith(h, `bearer ${key}`)).statusCode, 200)
  })

  test('malformed, unknown and wrong-secret keys are 401 with the native error shape', async () => {
    const h = get()
    const { keys } = await badCredentials(h, { tenant: h.tenant(), user: 'r' })
    for (const [name, k] of Object.entries(keys)) {
      const res = await usersWith(h, `Bearer ${k}`)
      assert.equal(res.statusCode, 401, `${name} ${k}: ${res.body}`)
      assert.deepEqual(Object.keys(res.json().error).sort(), ['code', 'message', 'requestId'])
      assert.equal(res.json().error.code, 'UNAUTHENTICATED')
    }
  })

  test("tenant A's key never reaches tenant B", async () => {
    const h = get()
    const a = h.tenant()
    const b = h.tenant()
    const keyA = await h.apiKey(a)
    const keyB = await h.apiKey(b)
    await h.app.inject({
      method: 'PUT',
      url: '/v1/users/bob',
      headers: { authorization: `Bearer ${keyB}` },
      payload: { username: 'b' },
    })
    const sent = await send(h, keyA, { to: { users: ['carol'] }, type: 'x', title: 'from A' })
    assert.equal(sent.status, 201)
    // A's whole tenant is its directory and its past recipients (carol), never B's bob.
    const all = await send(h, keyA, { to: { tenant: true }, type: 'x', title: 'all of A' })
    assert.equal(all.json.recipients, 1, "B's users are not A's tenant")
    const inboxB = await h.app.inject({
      url: '/v1/me/notifications',
      headers: { authorization: `Bearer ${await h.token({ tenant: b, user: 'bob' })}` },
    })
    assert.deepEqual(inboxB.json().items, [])
    const userB = await h.app.inject({
      url: '/v1/users/bob',
      headers: { authorization: `Bearer ${keyA}` },
    })
    assert.equal(userB.statusCode, 404)
  })

  test("a user token for another tenant sees nothing of this one's", async () => {
    const h = get()
    const a = h.tenant()
    const key = await h.apiKey(a)
    const made = await send(h, key, { to: { users: ['r'] }, type: 'x', title: 'A only' })
    const id = (made.json.notifications as Array<{ id: number }>)[0]?.id
    const { otherTenant } = await badCredentials(h, { tenant: a, user: 'r', key })
    const auth = { authorization: `Bearer ${otherTenant}` }
    const list = await h.app.inject({ url: '/v1/me/notifications', headers: auth })
    assert.deepEqual(list.json().items, [])
    const one = await h.app.inject({ url: `/v1/me/notifications/${id}`, headers: auth })
    assert.equal(one.statusCode, 404)
    const bulk = await h.app.inject({
      method: 'POST',
      url: '/v1/me/notifications/bulk',
      headers: auth,
      payload: { action: 'delete', ids: [id] },
    })
    assert.deepEqual(bulk.json(), { changed: 0, capped: false, notFound: [id] })
    const mine = await h.app.inject({
      url: `/v1/me/notifications/${id}`,
      headers: { authorization: `Bearer ${await h.token({ tenant: a, user: 'r' })}` },
    })
    assert.equal(mine.statusCode, 200)
  })
})

test('no key id starts with "-", which the command line would read as an option', () => {
  // One id in 64 would without the rule: 2,000 ids miss a regression about once in 10^14.
  for (let i = 0; i < 2000; i++) {
    const { id, key } = newKey()
    assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{11}$/)
    assert.ok(key.startsWith(`hk_${id}.`))
  }
})
