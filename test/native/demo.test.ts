import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SignJWT } from 'jose'
import { describeEngines, SECRET, startHerald } from '../support/harness.ts'

describeEngines('live demo (/demo, development only)', (get) => {
  test('the page loads its scripts from this origin under a strict CSP, and names no key', async () => {
    const h = get()
    const res = await h.app.inject({ url: '/demo' })
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /text\/html/)
    const csp = String(res.headers['content-security-policy'])
    assert.match(csp, /script-src 'self'/)
    assert.match(csp, /connect-src 'self'/)
    assert.doesNotMatch(csp, /unsafe-inline/)
    assert.match(res.body, /<herald-inbox id="inbox">/)
    assert.match(res.body, /src="\/demo\/herald-inbox.js"/)
    assert.doesNotMatch(res.body, /hk_|Bearer/)
    const js = await h.app.inject({ url: '/demo/demo.js' })
    assert.equal(js.statusCode, 200)
    assert.match(String(js.headers['content-type']), /javascript/)
    assert.match(js.body, /tokenProvider/)
    const bundle = await h.app.inject({ url: '/demo/herald-inbox.js' })
    assert.match(String(bundle.headers['content-type']), /javascript/)
    // Built: the bundle itself; not built: a script that says how to build it.
    if (bundle.statusCode === 404) assert.match(bundle.body, /build-browser/)
    else assert.equal(bundle.statusCode, 200)
  })

  test('the token is a short-lived user token of demo-user in tenant demo, reaching only /v1/me', async () => {
    const h = get()
    const res = await h.app.inject({ method: 'POST', url: '/demo/token' })
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['cache-control'], 'no-store')
    const { token, expiresAt } = res.json() as { token: string; expiresAt: string }
    const left = Date.parse(expiresAt) - Date.now()
    assert.ok(left > 0 && left <= 15 * 60_000, `expires in ${left} ms`)
    const principal = await h.auth.verify(token)
    assert.deepEqual(
      { tenant: principal.tenantId, user: principal.userId, kind: principal.kind },
      { tenant: 'demo', user: 'demo-user', kind: 'user' },
    )
    const producer = await h.app.inject({
      method: 'POST',
      url: '/v1/notifications',
      headers: { authorization: `Bearer ${token}` },
      payload: { to: { users: ['demo-user'] }, type: 't', title: 'x' },
    })
    assert.equal(producer.statusCode, 403)
  })

  test('the send button goes through the producer API and reaches the demo inbox', async () => {
    const h = get()
    const { token } = (await h.app.inject({ method: 'POST', url: '/demo/token' })).json()
    const me = { authorization: `Bearer ${token}` }
    const before = (await h.app.inject({ url: '/v1/me/counts', headers: me })).json().counts.total
    const sent = await h.app.inject({ method: 'POST', url: '/demo/send', payload: { count: 3 } })
    assert.equal(sent.statusCode, 200, sent.body)
    assert.deepEqual(sent.json(), { sent: 3 })
    const list = (await h.app.inject({ url: '/v1/me/notifications?limit=3', headers: me })).json()
    assert.equal(list.items.length, 3)
    for (const n of list.items) {
      assert.ok(n.actor?.displayName, 'a sample has an actor')
      assert.match(n.link, /^\/demo#notification-\d+$/)
    }
    const after = (await h.app.inject({ url: '/v1/me/counts', headers: me })).json().counts.total
    assert.equal(after, before + 3)
    const one = await h.app.inject({ method: 'POST', url: '/demo/send', payload: {} })
    assert.deepEqual(one.json(), { sent: 1 })
    const tooMany = await h.app.inject({
      method: 'POST',
      url: '/demo/send',
      payload: { count: 51 },
    })
    assert.equal(tooMany.statusCode, 400)
  })
})

describeEngines('README\'s "Put the bell in your app": the backend\'s token', (get) => {
  test("a token minted as the snippet does reaches the user's inbox", async () => {
    const h = get()
    // The README's lines, with its secret, tenant and user.
    const secret = new TextEncoder().encode(SECRET)
    const token = await new SignJWT({ tenant: 'acme' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(String(42))
      .setIssuedAt()
      .setExpirationTime('15m')
      .sign(secret)
    const res = await h.app.inject({
      url: '/v1/me/counts?cap=99',
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(res.statusCode, 200, res.body)
    const principal = await h.auth.verify(token)
    assert.deepEqual([principal.tenantId, principal.userId], ['acme', '42'])
  })
})

test('HERALD_DEMO=off: no /demo route', async () => {
  const h = await startHerald('pglite', { HERALD_DEMO: 'off' })
  try {
    for (const [method, url] of [
      ['GET', '/demo'],
      ['POST', '/demo/token'],
      ['POST', '/demo/send'],
    ] as const) {
      assert.equal((await h.app.inject({ method, url })).statusCode, 404, `${method} ${url}`)
    }
  } finally {
    await h.close()
  }
})
