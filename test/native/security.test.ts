import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { SignJWT, UnsecuredJWT } from 'jose'
import { describeEngines, SECRET, send } from '../support/harness.ts'

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

const claims = (tenant: string) => ({ tenant, roles: [] })

describeEngines('native security: every route refuses a bad credential', (get) => {
  let tenant = ''
  const bad: Record<string, string | undefined> = {}
  let key = ''
  let userToken = ''

  before(async () => {
    const h = get()
    tenant = h.tenant()
    key = await h.apiKey(tenant)
    userToken = await h.token({ tenant, user: 'r' })
    await send(h, key, { to: { users: ['r'] }, type: 'x', title: 'keep me' })
    const now = Math.floor(Date.now() / 1000)
    const sign = (secret: string, exp: number) =>
      new SignJWT(claims(tenant))
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('r')
        .setExpirationTime(exp)
        .sign(new TextEncoder().encode(secret))
    bad['no credential'] = undefined
    bad['empty bearer'] = 'Bearer '
    bad['another scheme'] = `Basic ${Buffer.from('r:pw').toString('base64')}`
    bad.garbage = 'Bearer not.a.token'
    bad.forged = `Bearer ${await sign('another-secret-0123456789-abcdefghijk', now + 600)}`
    bad.expired = `Bearer ${await sign(SECRET, now - 60)}`
    bad['alg none'] = `Bearer ${new UnsecuredJWT(claims(tenant))
      .setSubject('r')
      .setExpirationTime(now + 600)
      .encode()}`
    const [h64, p64, s64] = (await sign(SECRET, now + 600)).split('.')
    const tampered = Buffer.from(JSON.stringify({ ...claims('other'), sub: 'r', exp: now + 600 }))
    bad['tampered payload'] = `Bearer ${h64}.${tampered.toString('base64url')}.${s64}`
    bad['stripped signature'] = `Bearer ${h64}.${p64}.`
    bad['unknown API key'] = 'Bearer hk_unknown.secret'
    bad['API key, wrong secret'] = `Bearer ${key.slice(0, key.indexOf('.'))}.wrong`
    bad['malformed API key'] = 'Bearer hk_nodot'
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
      const wrong = r.kind === 'producer' ? userToken : key
      const res = await h.app.inject({
        method: r.method,
        url: r.url,
        headers: { authorization: `Bearer ${wrong}` },
        payload: r.body,
      })
      assert.equal(res.statusCode, 403, res.body)
      assert.equal(res.json().error.code, 'FORBIDDEN')
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
