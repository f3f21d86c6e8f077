import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'

const call = (
  h: TestHerald,
  method: 'GET' | 'PUT' | 'POST',
  url: string,
  auth: string,
  payload?: object,
) => h.app.inject({ method, url, headers: { authorization: `Bearer ${auth}` }, payload })

describeEngines('native producer: topics and API keys', (get) => {
  test('PUT adds and removes subscribers; GET lists them sorted', async () => {
    const h = get()
    const key = await h.apiKey(h.tenant())
    const put = await call(h, 'PUT', '/v1/topics/project-42/subscribers', key, {
      add: ['zoe', 'amy', 'bo', 'amy'],
    })
    assert.equal(put.statusCode, 200, put.body)
    assert.deepEqual(put.json(), { topic: 'project-42', subscribers: ['amy', 'bo', 'zoe'] })
    const removed = await call(h, 'PUT', '/v1/topics/project-42/subscribers', key, {
      remove: ['bo', 'nobody'],
    })
    assert.deepEqual(removed.json().subscribers, ['amy', 'zoe'])
    const listed = await call(h, 'GET', '/v1/topics/project-42/subscribers', key)
    assert.deepEqual(listed.json(), { topic: 'project-42', subscribers: ['amy', 'zoe'] })
    const empty = await call(h, 'GET', '/v1/topics/never-used/subscribers', key)
    assert.deepEqual(empty.json().subscribers, [])
  })

  test('validation: unknown field, bad member id', async () => {
    const h = get()
    const key = await h.apiKey(h.tenant())
    const unknown = await call(h, 'PUT', '/v1/topics/t/subscribers', key, { set: ['a'] })
    assert.equal(unknown.statusCode, 400)
    assert.equal(unknown.json().error.details.field, 'body.set')
    const bad = await call(h, 'PUT', '/v1/topics/t/subscribers', key, { add: ['has space'] })
    assert.equal(bad.statusCode, 400)
    assert.match(bad.json().error.details.field, /^body\.add/)
    assert.deepEqual((await call(h, 'GET', '/v1/topics/t/subscribers', key)).json().subscribers, [])
  })

  test('topics are per tenant: another tenant neither sees nor changes them', async () => {
    const h = get()
    const a = await h.apiKey(h.tenant())
    const b = await h.apiKey(h.tenant())
    await call(h, 'PUT', '/v1/topics/shared/subscribers', a, { add: ['a1'] })
    await call(h, 'PUT', '/v1/topics/shared/subscribers', b, { add: ['b1'], remove: ['a1'] })
    assert.deepEqual(
      (await call(h, 'GET', '/v1/topics/shared/subscribers', a)).json().subscribers,
      ['a1'],
    )
    assert.deepEqual(
      (await call(h, 'GET', '/v1/topics/shared/subscribers', b)).json().subscribers,
      ['b1'],
    )
    const sent = await send(h, b, { to: { topic: 'shared' }, type: 't', title: 'b only' })
    assert.equal(sent.json.recipients, 1)
  })

  test('POST /v1/api-keys creates a working key for the same tenant only', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    const res = await call(h, 'POST', '/v1/api-keys', key, { name: 'ci' })
    assert.equal(res.statusCode, 201, res.body)
    const made = res.json() as { id: string; key: string }
    assert.match(made.key, /^hk_[^.]+\..+$/)
    assert.ok(made.key.startsWith(`hk_${made.id}.`))
    await call(h, 'PUT', '/v1/users/u1', made.key, { username: 'via-new-key' })
    assert.equal((await call(h, 'GET', '/v1/users/u1', key)).json().username, 'via-new-key')
    const noBody = await h.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: { authorization: `Bearer ${key}` },
    })
    assert.equal(noBody.statusCode, 201, noBody.body)
    const bad = await call(h, 'POST', '/v1/api-keys', key, { name: 'x', tenant: 'other' })
    assert.equal(bad.statusCode, 400)
    assert.equal(bad.json().error.details.field, 'body.tenant')
  })

  test('a user token, even an admin one, cannot create API keys', async () => {
    const h = get()
    const t = h.tenant()
    const admin = await h.token({ tenant: t, user: 'root', admin: true })
    const res = await call(h, 'POST', '/v1/api-keys', admin, {})
    assert.equal(res.statusCode, 403)
    assert.equal(res.json().error.code, 'FORBIDDEN')
  })

  test('an operator token acts as the tenant server', async () => {
    const h = get()
    const t = h.tenant()
    const op = await h.token({ tenant: t, user: 'herald-cli', operator: true })
    const res = await call(h, 'PUT', '/v1/users/x', op, {})
    assert.equal(res.statusCode, 200, res.body)
    const key = await h.apiKey(t)
    assert.equal((await call(h, 'GET', '/v1/users/x', key)).statusCode, 200)
  })
})
