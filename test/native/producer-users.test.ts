import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'

const call = (
  h: TestHerald,
  method: 'GET' | 'PUT' | 'DELETE',
  url: string,
  auth: string,
  payload?: object,
) => h.app.inject({ method, url, headers: { authorization: `Bearer ${auth}` }, payload })

const assertError = (
  res: { statusCode: number; json(): unknown },
  status: number,
  code: string,
) => {
  assert.equal(res.statusCode, status)
  const body = res.json() as { error: { code: string; message: string; requestId: string } }
  assert.equal(body.error.code, code)
  assert.equal(typeof body.error.message, 'string')
  assert.equal(typeof body.error.requestId, 'string')
}

describeEngines('native producer: users', (get) => {
  test('PUT creates, PUT again changes only the fields given, GET reads it back', async () => {
    const h = get()
    const key = await h.apiKey(h.tenant())
    const created = await call(h, 'PUT', '/v1/users/alice', key, {
      username: 'Alice',
      displayName: 'Alice A.',
      email: 'alice@example.com',
      permissions: ['inbox.read', 'x'],
      admin: true,
    })
    assert.equal(created.statusCode, 200, created.body)
    assert.equal(created.json().id, 'alice')
    assert.deepEqual(created.json().permissions, ['inbox.read', 'x'])
    const changed = await call(h, 'PUT', '/v1/users/alice', key, { displayName: null })
    assert.equal(changed.statusCode, 200)
    const got = (await call(h, 'GET', '/v1/users/alice', key)).json()
    assert.equal(got.username, 'Alice')
    assert.equal(got.displayName, null)
    assert.equal(got.email, 'alice@example.com')
    assert.equal(got.admin, true)
    assert.equal(got.disabled, false)
    assert.deepEqual(got.permissions, ['inbox.read', 'x'])
    assert.ok(!Number.isNaN(Date.parse(got.createdAt)))
  })

  test('validation: unknown field, wrong type, bad id', async () => {
    const h = get()
    const key = await h.apiKey(h.tenant())
    const unknown = await call(h, 'PUT', '/v1/users/bob', key, { nickname: 'b' })
    assertError(unknown, 400, 'VALIDATION')
    assert.equal(unknown.json().error.details.field, 'body.nickname')
    const wrong = await call(h, 'PUT', '/v1/users/bob', key, { admin: 'yes' })
    assertError(wrong, 400, 'VALIDATION')
    assert.match(wrong.json().error.details.field, /admin/)
    const spaced = await call(h, 'PUT', '/v1/users/has%20space', key, {})
    assertError(spaced, 400, 'VALIDATION')
    assert.equal(spaced.json().error.details.field, 'params.userId')
    // Past the router's parameter length, still a 400 in the native shape.
    assertError(await call(h, 'GET', `/v1/users/${'x'.repeat(300)}`, key), 400, 'VALIDATION')
    assertError(await call(h, 'GET', '/v1/users/bob', key), 404, 'NOT_FOUND')
  })

  test('DELETE removes the user, their notifications and subscriptions', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    await call(h, 'PUT', '/v1/users/carol', key, {})
    await call(h, 'PUT', '/v1/topics/news/subscribers', key, { add: ['carol', 'dave'] })
    assert.equal(
      (await send(h, key, { to: { users: ['carol'] }, type: 't', title: 'x' })).status,
      201,
    )
    const del = await call(h, 'DELETE', '/v1/users/carol', key)
    assert.equal(del.statusCode, 204)
    assertError(await call(h, 'GET', '/v1/users/carol', key), 404, 'NOT_FOUND')
    assertError(await call(h, 'DELETE', '/v1/users/carol', key), 404, 'NOT_FOUND')
    const subs = await call(h, 'GET', '/v1/topics/news/subscribers', key)
    assert.deepEqual(subs.json().subscribers, ['dave'])
    const token = await h.token({ tenant: t, user: 'carol' })
    const list = await h.app.inject({
      url: '/v1/me/notifications',
      headers: { authorization: `Bearer ${token}` },
    })
    assert.deepEqual(list.json().items, [])
  })

  test('GET /v1/users pages by id and stays in the tenant', async () => {
    const h = get()
    const key = await h.apiKey(h.tenant())
    const other = await h.apiKey(h.tenant())
    for (const id of ['u3', 'u1', 'u2']) await call(h, 'PUT', `/v1/users/${id}`, key, {})
    await call(h, 'PUT', '/v1/users/intruder', other, {})
    const first = (await call(h, 'GET', '/v1/users?limit=2', key)).json()
    assert.deepEqual(
      first.items.map((u: { id: string }) => u.id),
      ['u1', 'u2'],
    )
    assert.equal(first.next, 'u2')
    const second = (await call(h, 'GET', `/v1/users?limit=2&after=${first.next}`, key)).json()
    assert.deepEqual(
      second.items.map((u: { id: string }) => u.id),
      ['u3'],
    )
    assert.equal(second.next, null)
    assertError(await call(h, 'GET', '/v1/users?limit=0', key), 400, 'VALIDATION')
    assertError(await call(h, 'GET', '/v1/users?limit=101', key), 400, 'VALIDATION')
    assertError(await call(h, 'GET', '/v1/users?sort=id', key), 400, 'VALIDATION')
  })

  test("another tenant's key neither reads, changes nor deletes a user", async () => {
    const h = get()
    const a = await h.apiKey(h.tenant())
    const b = await h.apiKey(h.tenant())
    await call(h, 'PUT', '/v1/users/erin', a, { username: 'erin' })
    assertError(await call(h, 'GET', '/v1/users/erin', b), 404, 'NOT_FOUND')
    assertError(await call(h, 'DELETE', '/v1/users/erin', b), 404, 'NOT_FOUND')
    await call(h, 'PUT', '/v1/users/erin', b, { username: 'mallory' })
    assert.equal((await call(h, 'GET', '/v1/users/erin', a)).json().username, 'erin')
    const listed = (await call(h, 'GET', '/v1/users', b)).json().items
    assert.deepEqual(
      listed.map((u: { username: string }) => u.username),
      ['mallory'],
    )
  })
})
