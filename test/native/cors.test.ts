import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { DIALECT_NAMES } from '../../src/config.ts'
import { describeEngines, type TestHerald } from '../support/harness.ts'
import { streamClient } from '../support/sse.ts'
import { world } from '../support/world.ts'

const APP = 'http://app.example.test:3000'

type Route = { method: string; url: string; user: boolean }

/** Every documented route of a surface, its path parameters filled in, and whose it is. */
async function routesOf(h: TestHerald, doc: string): Promise<Route[]> {
  const { paths } = (await h.app.inject({ url: doc })).json() as {
    paths: Record<string, Record<string, { security?: Array<Record<string, unknown>> }>>
  }
  const fill = (p: string) =>
    p.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'action' ? 'read' : '42'))
  return Object.entries(paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({
      method: method.toUpperCase(),
      url: fill(path),
      // Dialects declare one requirement for the whole document, and serve users only.
      user: !op.security?.some((s) => 'apiKey' in s),
    })),
  )
}

const preflight = (h: TestHerald, method: string, url: string, origin = APP) =>
  h.app.inject({
    method: 'OPTIONS',
    url,
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization,content-type',
    },
  })

const noCors = (res: LightMyRequestResponse, label: string) => {
  for (const name of Object.keys(res.headers)) {
    assert.ok(!name.startsWith('access-control-'), `${label}: ${name}`)
  }
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describeEngines('CORS (development default: any origin)', (get) => {
  const client = streamClient(() => get().app)

  test('every user route answers a preflight from another origin, without authentication', async () => {
    const h = get()
    const native = (await routesOf(h, '/openapi.json')).filter((r) => r.user)
    assert.ok(native.some((r) => r.url === '/v1/me/stream'))
    assert.ok(native.length >= 10, String(native.length))
    const dialects = await Promise.all(DIALECT_NAMES.map((d) => routesOf(h, `/openapi/${d}.json`)))
    for (const r of [...native, ...dialects.flat()]) {
      const label = `${r.method} ${r.url}`
      const res = await preflight(h, r.method, r.url)
      assert.equal(res.statusCode, 204, `${label}: ${res.body}`)
      assert.equal(res.headers['access-control-allow-origin'], APP, label)
      assert.match(String(res.headers.vary), /Origin/, label)
      assert.ok(
        String(res.headers['access-control-allow-methods']).split(', ').includes(r.method),
        `${label}: ${res.headers['access-control-allow-methods']}`,
      )
      const allowed = String(res.headers['access-control-allow-headers']).toLowerCase()
      for (const header of ['content-type', 'last-event-id']) assert.ok(allowed.includes(header))
      const credential = r.url.startsWith('/compat/productive') ? 'x-auth-token' : 'authorization'
      assert.ok(allowed.split(', ').includes(credential), `${label}: ${allowed}`)
      assert.equal(res.headers['access-control-max-age'], '600', label)
      assert.equal(res.headers['x-content-type-options'], 'nosniff', label)
    }
  })

  test('producer routes refuse a preflight and never carry CORS headers', async () => {
    const h = get()
    const producer = (await routesOf(h, '/openapi.json')).filter((r) => !r.user)
    assert.ok(producer.some((r) => r.url === '/v1/notifications'))
    for (const r of producer) {
      const res = await preflight(h, r.method, r.url)
      assert.equal(res.statusCode, 403, `${r.method} ${r.url}: ${res.body}`)
      assert.equal(res.json().error.code, 'FORBIDDEN')
      assert.match(res.json().error.message, /server API key/)
      noCors(res, `${r.method} ${r.url}`)
    }
    const w = await world(h)
    const sent = await h.app.inject({
      method: 'POST',
      url: '/v1/notifications',
      headers: { ...bearer(w.key), origin: APP },
      payload: { to: { users: ['ada'] }, type: 'x', title: 'T' },
    })
    assert.equal(sent.statusCode, 201, sent.body)
    noCors(sent, 'a send from a page')
    const users = await h.app.inject({
      url: '/v1/users',
      headers: { ...bearer(w.key), origin: APP },
    })
    assert.equal(users.statusCode, 200)
    noCors(users, 'a user list from a page')
  })

  test('real answers to a browser carry Access-Control-Allow-Origin, errors included', async () => {
    const h = get()
    const w = await world(h, { users: ['ada'] })
    const { id } = await w.seed('ada', { type: 'x', title: 'T' })
    const asked: Array<[string, string, Record<string, string>, number]> = [
      ['GET', '/v1/me/notifications', bearer(w.tokens.ada), 200],
      ['POST', `/v1/me/notifications/${id}/read`, bearer(w.tokens.ada), 200],
      ['GET', '/v1/me/notifications', {}, 401],
      ['GET', '/v1/me/notifications', bearer('not-a-token'), 401],
      ['GET', '/v1/me/notifications', bearer(w.key), 403],
      ['GET', '/v1/me/notifications/987654321', bearer(w.tokens.ada), 404],
      ['GET', '/v1/me/notifications?limit=0', bearer(w.tokens.ada), 400],
      [
        'GET',
        '/compat/productive/api/v2/notifications',
        { 'x-auth-token': w.tokens.ada, 'x-organization-id': w.tenant },
        200,
      ],
      // Tasking Manager answers a missing credential with 403, as its contract has it.
      ['GET', '/compat/tasking-manager/api/v2/notifications/', {}, 403],
    ]
    for (const [method, url, headers, status] of asked) {
      const res = await h.app.inject({
        method: method as 'GET',
        url,
        headers: { ...headers, origin: APP },
      })
      assert.equal(res.statusCode, status, `${method} ${url}: ${res.body}`)
      assert.equal(res.headers['access-control-allow-origin'], APP, `${method} ${url}`)
      assert.equal(
        res.headers['access-control-expose-headers'],
        'Retry-After, ETag, X-Poll-Interval',
      )
      assert.match(String(res.headers.vary), /Origin/)
    }
    // No Origin: a server or a same-origin page, which need no CORS header.
    noCors(await h.app.inject({ url: '/v1/me/notifications', headers: bearer(w.tokens.ada) }), '')
  })

  test('the stream answers a page on another origin, security headers and all', async () => {
    const h = get()
    const token = await h.token({ tenant: h.tenant(), user: 'ada' })
    const stream = await client.open(token, { origin: APP })
    try {
      assert.equal(stream.headers.get('access-control-allow-origin'), APP)
      assert.equal(stream.headers.get('x-content-type-options'), 'nosniff')
      assert.equal(stream.headers.get('cross-origin-resource-policy'), 'cross-origin')
      assert.equal((await stream.next()).event, 'counts')
    } finally {
      stream.close()
    }
  })

  test('the CORS headers, exactly and in order, and Vary: Origin on every answer', async () => {
    const h = get()
    const cors = (res: LightMyRequestResponse) =>
      Object.entries(res.headers)
        .filter(([name]) => name.startsWith('access-control-') || name === 'vary')
        .map(([name, value]) => `${name}: ${value}`)
    const res = await preflight(h, 'GET', '/v1/me/counts')
    assert.equal(res.statusCode, 204)
    assert.equal(res.headers['content-length'], '0')
    assert.equal(res.body, '')
    // As @fastify/cors sent them before the hook of cors.ts took its place.
    assert.deepEqual(cors(res), [
      'vary: Origin',
      `access-control-allow-origin: ${APP}`,
      'access-control-expose-headers: Retry-After, ETag, X-Poll-Interval',
      'access-control-allow-methods: GET, HEAD, POST',
      'access-control-allow-headers: Authorization, Content-Type, Last-Event-ID, X-Request-Id, If-None-Match, X-Herald-Tenant',
      'access-control-max-age: 600',
    ])
    // The answer depends on the origin even when there is none: a cache must keep them apart.
    for (const url of ['/healthz', '/v1/me/counts', '/openapi.json']) {
      assert.deepEqual(cors(await h.app.inject({ url })), ['vary: Origin'], url)
    }
  })

  test('an OPTIONS that is no preflight answers as any unknown method does, in its surface', async () => {
    const h = get()
    const native = await h.app.inject({ method: 'OPTIONS', url: '/v1/me/notifications' })
    assert.equal(native.statusCode, 404)
    assert.equal(native.json().error.code, 'NOT_FOUND')
    const tm = await h.app.inject({
      method: 'OPTIONS',
      url: '/compat/tasking-manager/api/v2/notifications/',
    })
    assert.deepEqual([tm.statusCode, tm.json()], [405, { detail: 'Method Not Allowed' }])
    const unknown = await preflight(h, 'GET', '/v1/me/nothing-here')
    assert.equal(unknown.statusCode, 404)
    noCors(unknown, 'an unknown path')
  })
})

describeEngines(
  'CORS: origins named by HERALD_CORS_ORIGINS',
  (get) => {
    test('a named origin is answered with itself; any other is refused', async () => {
      const h = get()
      const w = await world(h, { users: ['ada'] })
      for (const origin of ['https://app.example.com', 'http://localhost:5173']) {
        const pre = await preflight(h, 'GET', '/v1/me/counts', origin)
        assert.equal(pre.statusCode, 204, origin)
        assert.equal(pre.headers['access-control-allow-origin'], origin)
        const res = await h.app.inject({
          url: '/v1/me/counts',
          headers: { ...bearer(w.tokens.ada), origin },
        })
        assert.equal(res.headers['access-control-allow-origin'], origin)
      }
      for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.test']) {
        const pre = await preflight(h, 'GET', '/v1/me/counts', origin)
        assert.equal(pre.statusCode, 403, origin)
        assert.match(pre.json().error.message, /HERALD_CORS_ORIGINS/)
        noCors(pre, origin)
        const res = await h.app.inject({
          url: '/v1/me/counts',
          headers: { ...bearer(w.tokens.ada), origin },
        })
        assert.equal(res.statusCode, 200)
        noCors(res, origin)
      }
    })
  },
  { env: { HERALD_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' } },
)

describeEngines(
  'CORS: HERALD_CORS_ORIGINS=*',
  (get) => {
    test('any origin, answered with *', async () => {
      const h = get()
      const pre = await preflight(h, 'POST', '/v1/me/notifications/bulk', 'https://any.test')
      assert.deepEqual([pre.statusCode, pre.headers['access-control-allow-origin']], [204, '*'])
      const res = await h.app.inject({
        url: '/v1/me/counts',
        headers: { origin: 'https://x.test' },
      })
      assert.deepEqual([res.statusCode, res.headers['access-control-allow-origin']], [401, '*'])
    })
  },
  { env: { HERALD_CORS_ORIGINS: '*' } },
)

describeEngines(
  'CORS: production without HERALD_CORS_ORIGINS',
  (get) => {
    test('no origin may call: preflights are refused, answers carry no CORS header', async () => {
      const h = get()
      const pre = await preflight(h, 'GET', '/v1/me/notifications')
      assert.equal(pre.statusCode, 403)
      noCors(pre, 'preflight')
      const token = await h.token({ tenant: h.tenant(), user: 'ada' })
      const res = await h.app.inject({
        url: '/v1/me/notifications',
        headers: { ...bearer(token), origin: APP },
      })
      assert.equal(res.statusCode, 200)
      noCors(res, 'answer')
    })
  },
  { env: { NODE_ENV: 'production' } },
)

describeEngines(
  'CORS and the limits',
  (get) => {
    test('preflights are never authenticated nor counted; 429s carry CORS and Retry-After', async () => {
      const h = get()
      for (let i = 0; i < 10; i++) {
        const res = await preflight(h, 'GET', '/v1/me/counts')
        assert.equal(res.statusCode, 204, `preflight ${i}: ${res.body}`)
      }
      const token = await h.token({ tenant: h.tenant(), user: 'ada' })
      const asUser = () =>
        h.app.inject({ url: '/v1/me/counts', headers: { ...bearer(token), origin: APP } })
      for (let i = 0; i < 3; i++) assert.equal((await asUser()).statusCode, 200, `request ${i}`)
      const limited = await asUser()
      assert.equal(limited.statusCode, 429)
      assert.equal(limited.headers['access-control-allow-origin'], APP)
      assert.ok(limited.headers['retry-after'])
      assert.equal(
        limited.headers['access-control-expose-headers'],
        'Retry-After, ETag, X-Poll-Interval',
      )
      // Failed logins from the address: each 401, then 429, all readable by the page.
      const statuses: number[] = []
      for (let i = 0; i < 4; i++) {
        const res = await h.app.inject({
          url: '/v1/me/counts',
          headers: { ...bearer(`wrong-${i}`), origin: APP },
        })
        statuses.push(res.statusCode)
        assert.equal(res.headers['access-control-allow-origin'], APP)
      }
      assert.deepEqual(statuses, [401, 401, 401, 429])
    })
  },
  { env: { HERALD_RATE_LIMIT: '3', HERALD_RATE_LIMIT_ADDRESS: '3' } },
)
