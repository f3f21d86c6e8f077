import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SignJWT } from 'jose'
import { describeEngines, SECRET, type TestHerald } from '../support/harness.ts'
import { streamClient } from '../support/sse.ts'
import { type World, world } from '../support/world.ts'

const LIST = '/v1/me/notifications'

/** Tenants a and b share user `u`, whose one token names both; c is a tenant u is not in. */
async function tenants(h: TestHerald) {
  const note = { notification: { type: 'comment', title: 'T' } }
  const a = await world(h, note)
  const b = await world(h, note)
  const c = await world(h, note)
  const token = await h.token({ tenant: a.tenant, tenants: [b.tenant], user: 'u' })
  return { a, b, c, token }
}

const titles = async (h: TestHerald, token: string, headers: Record<string, string> = {}) => {
  const res = await h.app.inject({
    url: LIST,
    headers: { authorization: `Bearer ${token}`, ...headers },
  })
  assert.equal(res.statusCode, 200, res.body)
  return res.json().items.map((n: { title: string }) => n.title)
}

/** Signs a token with whatever claims a test gives it, as a host application might. */
const signed = (claims: Record<string, unknown>) =>
  new SignJWT({ tenant: 't', ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('u')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET))

const seedTitled = (w: World, title: string) => w.seed('u', { title })

describeEngines('native API: one user token for several tenants', (get) => {
  const client = streamClient(() => get().app)

  test("X-Herald-Tenant picks one of the token's tenants; without it, its own", async () => {
    const h = get()
    const { a, b, c, token } = await tenants(h)
    await seedTitled(a, 'in a')
    await seedTitled(b, 'in b')
    await seedTitled(c, 'in c')
    assert.deepEqual(await titles(h, token), ['in a'])
    assert.deepEqual(await titles(h, token, { 'x-herald-tenant': a.tenant }), ['in a'])
    assert.deepEqual(await titles(h, token, { 'x-herald-tenant': b.tenant }), ['in b'])
    const counts = await h.app.inject({
      url: '/v1/me/counts',
      headers: { authorization: `Bearer ${token}`, 'x-herald-tenant': b.tenant },
    })
    assert.equal(counts.json().counts.unread, 1)
  })

  test('a tenant the token does not name is 403, and changes nothing', async () => {
    const h = get()
    const { a, c, token } = await tenants(h)
    const theirs = await seedTitled(c, 'in c')
    await seedTitled(a, 'in a')
    for (const [method, url] of [
      ['GET', LIST],
      ['GET', `${LIST}/${theirs.id}`],
      ['POST', `${LIST}/${theirs.id}/read`],
      ['DELETE', `${LIST}/${theirs.id}`],
      ['GET', '/v1/me/counts'],
    ] as const) {
      for (const named of [c.tenant, `${a.tenant},${c.tenant}`, 'nowhere']) {
        const res = await h.app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${token}`, 'x-herald-tenant': named },
        })
        assert.equal(res.statusCode, 403, `${method} ${url} ${named}: ${res.body}`)
        assert.equal(res.json().error.code, 'FORBIDDEN')
      }
    }
    const cToken = await c.token('u')
    const still = await h.app.inject({
      url: `${LIST}/${theirs.id}`,
      headers: { authorization: `Bearer ${cToken}` },
    })
    assert.equal(still.json().readAt, null)
  })

  test("b's notification is not found while acting in a, and a's ids are not b's", async () => {
    const h = get()
    const { a, b, token } = await tenants(h)
    const inB = await seedTitled(b, 'in b')
    const res = await h.app.inject({
      url: `${LIST}/${inB.uuid}`,
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(res.statusCode, 404, res.body)
    const inA = await seedTitled(a, 'in a')
    const bulk = await h.app.inject({
      method: 'POST',
      url: `${LIST}/bulk`,
      headers: { authorization: `Bearer ${token}`, 'x-herald-tenant': b.tenant },
      payload: { action: 'read', ids: [inA.uuid] },
    })
    assert.equal(bulk.statusCode, 200, bulk.body)
    assert.equal(bulk.json().changed, 0)
  })

  test('a single-tenant token and an API key may name only their own tenant', async () => {
    const h = get()
    const { a, b } = await tenants(h)
    const own = await a.token('u')
    assert.deepEqual(await titles(h, own, { 'x-herald-tenant': a.tenant }), [])
    const other = await h.app.inject({
      url: LIST,
      headers: { authorization: `Bearer ${own}`, 'x-herald-tenant': b.tenant },
    })
    assert.equal(other.statusCode, 403)
    const send = (tenant: string) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/notifications',
        headers: { authorization: `Bearer ${a.key}`, 'x-herald-tenant': tenant },
        payload: { to: { users: ['u'] }, type: 'comment', title: 'x' },
      })
    assert.equal((await send(b.tenant)).statusCode, 403)
    assert.equal((await send(a.tenant)).statusCode, 201)
  })

  test("the stream follows the tenant named by ?tenant=: b's events, not a's", async () => {
    const h = get()
    const { a, b, c, token } = await tenants(h)
    const base = client.url()
    const res = await fetch(`${base}/v1/me/stream?access_token=${token}&tenant=${c.tenant}`)
    assert.equal(res.status, 403)
    const inB = await client.open(`${token}&tenant=${encodeURIComponent(b.tenant)}`)
    assert.equal((await inB.next()).event, 'counts')
    await seedTitled(a, 'in a')
    await seedTitled(b, 'in b')
    const created = await inB.next()
    assert.equal(created.event, 'notification.created')
    assert.equal(created.data.title, 'in b')
    // And by the header, for clients that can send one.
    const byHeader = await client.open(token, { 'x-herald-tenant': b.tenant })
    assert.deepEqual((await byHeader.next()).data, { unread: 1, unseen: 1 })
  })

  test('the other dialects act in the token’s own tenant only', async () => {
    const h = get()
    const { a, b, token } = await tenants(h)
    const inA = await seedTitled(a, 'in a')
    await seedTitled(b, 'in b')
    const kendo = await h.app.inject({
      url: '/compat/kendo/api/notifications',
      headers: { authorization: `Bearer ${token}`, 'x-herald-tenant': b.tenant },
    })
    assert.deepEqual(
      kendo.json().map((n: { id: number }) => n.id),
      [inA.id],
    )
    // Productive's organization chooses among the token's tenants; another is its 403.
    const productive = (org: string) =>
      h.app.inject({
        url: '/compat/productive/api/v2/notifications',
        headers: { 'x-auth-token': token, 'x-organization-id': org },
      })
    const inOrgB = await productive(b.tenant)
    assert.equal(inOrgB.statusCode, 200, inOrgB.body)
    assert.deepEqual(
      inOrgB.json().data.map((n: { attributes: { title: string } }) => n.attributes.title),
      ['in b'],
    )
    assert.equal((await productive('elsewhere')).statusCode, 403)
  })

  test('a tenants claim that is not a short list of ids refuses the token', async () => {
    const h = get()
    const bad = [
      'a',
      [1],
      [''],
      ['x'.repeat(201)],
      Array.from({ length: 51 }, (_, i) => `t${i}`),
      { t: true },
    ]
    for (const tenants of bad) {
      const res = await h.app.inject({
        url: LIST,
        headers: { authorization: `Bearer ${await signed({ tenants })}` },
      })
      assert.equal(res.statusCode, 401, `${JSON.stringify(tenants)}: ${res.body}`)
      assert.equal(res.json().error.code, 'UNAUTHENTICATED')
    }
    const fifty = Array.from({ length: 50 }, (_, i) => `t${i}`)
    const ok = await h.app.inject({
      url: LIST,
      headers: { authorization: `Bearer ${await signed({ tenants: fifty })}` },
    })
    assert.equal(ok.statusCode, 200, ok.body)
  })

  test('a browser on another origin may send X-Herald-Tenant', async () => {
    const h = get()
    const res = await h.app.inject({
      method: 'OPTIONS',
      url: LIST,
      headers: {
        origin: 'http://app.example.test',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization,x-herald-tenant',
      },
    })
    assert.equal(res.statusCode, 204)
    assert.match(String(res.headers['access-control-allow-headers']), /X-Herald-Tenant/)
  })
})
