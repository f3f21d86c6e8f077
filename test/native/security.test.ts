import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { badCredentials, refused } from '../support/credentials.ts'
import { describeEngines, send } from '../support/harness.ts'

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE'
interface Route {
  method: Method
  url: string
  body?: object
  kind: 'producer' | 'user'
}

const ROUTES: Route[] = [
  { method: 'PUT', url: '/v1/users/u1', body: {}, kind: 'producer' },
  { method: 'GET', url: '/v1/users/u1', kind: 'producer' },
  { method: 'DELETE', url: '/v1/users/u1', kind: 'producer' },
  { method: 'GET', url: '/v1/users', kind: 'producer' },
  { method: 'PUT', url: '/v1/topics/t/subscribers', body: { add: ['x'] }, kind: 'producer' },
  { method: 'GET', url: '/v1/topics/t/subscribers', kind: 'producer' },
  { method: 'POST', url: '/v1/api-keys', body: {}, kind: 'producer' },
  {
    method: 'POST',
    url: '/v1/notifications',
    body: { to: { users: ['r'] }, type: 'x', title: 'y' },
    kind: 'producer',
  },
  { method: 'GET', url: '/v1/me/notifications', kind: 'user' },
  { method: 'GET', url: '/v1/me/notifications/1', kind: 'user' },
  { method: 'POST', url: '/v1/me/notifications/1/read', kind: 'user' },
  { method: 'DELETE', url: '/v1/me/notifications/1', kind: 'user' },
  {
    method: 'POST',
    url: '/v1/me/notifications/bulk',
    body: { action: 'read', filter: {} },
    kind: 'user',
  },
  { method: 'GET', url: '/v1/me/counts', kind: 'user' },
  { method: 'POST', url: '/v1/me/counts', body: { filters: { a: {} } }, kind: 'user' },
  { method: 'GET', url: '/v1/me/checkpoint', kind: 'user' },
  { method: 'PUT', url: '/v1/me/checkpoint', kind: 'user' },
]

describeEngines('native security: every route refuses a bad credential', (get) => {
  const bad: Record<string, string | undefined> = {}
  /** Good credentials of the other kind: user tokens for producer routes and the reverse. */
  const wrongKind: Record<Route['kind'], string[]> = { producer: [], user: [] }
  let key = ''
  let userToken = ''

  before(async () => {
    const h = get()
    const tenant = h.tenant()
    key = await h.apiKey(tenant)
    await send(h, key, { to: { users: ['r'] }, type: 'x', title: 'keep me' })
    const c = await badCredentials(h, { tenant, user: 'r', key })
    userToken = c.user
    bad['no credential'] = undefined
    bad['empty bearer'] = 'Bearer '
    bad['another scheme'] = `Basic ${Buffer.from('r:pw').toString('base64')}`
    for (const [name, credential] of refused(c)) bad[name] = `Bearer ${credential}`
    wrongKind.producer = [c.user, c.otherTenant]
    wrongKind.user = Object.values(c.server)
  })

  for (const r of ROUTES) {
    test(`${r.method} ${r.url}: 401 for every bad credential, 403 for the wrong kind`, async () => {
      const h = get()
      for (const [name, authorization] of Object.entries(bad)) {
        const res = await h.app.inject({
          method: r.method,
          url: r.url,
          headers: authorization === undefined ? {} : { authorization },
          payload: r.body,
        })
        assert.equal(res.statusCode, 401, `${name}: ${res.body}`)
        const e = res.json().error
        assert.equal(e.code, 'UNAUTHENTICATED', name)
        assert.equal(typeof e.message, 'string')
        assert.equal(typeof e.requestId, 'string')
      }
      for (const wrong of wrongKind[r.kind]) {
        const res = await h.app.inject({
          method: r.method,
          url: r.url,
          headers: { authorization: `Bearer ${wrong}` },
          payload: r.body,
        })
        assert.equal(res.statusCode, 403, res.body)
        assert.equal(res.json().error.code, 'FORBIDDEN')
      }
    })
  }

  test('authentication comes before validation: a bad body without a credential is a 401', async () => {
    const h = get()
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/notifications',
      payload: { nonsense: true },
    })
    assert.equal(res.statusCode, 401, res.body)
  })

  test('nothing was changed by any refused request', async () => {
    const h = get()
    const list = await h.app.inject({
      url: '/v1/me/notifications',
      headers: { authorization: `Bearer ${userToken}` },
    })
    const items = list.json().items
    assert.equal(items.length, 1)
    assert.equal(items[0].read, false)
    const users = await h.app.inject({
      url: '/v1/users',
      headers: { authorization: `Bearer ${key}` },
    })
    assert.deepEqual(users.json().items, [])
    const counts = await h.app.inject({
      url: '/v1/me/checkpoint',
      headers: { authorization: `Bearer ${userToken}` },
    })
    assert.deepEqual(counts.json(), { at: null })
  })
})
