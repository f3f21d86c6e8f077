import assert from 'node:assert/strict'
import { test } from 'node:test'
import { badCredentials, notUserTokens } from '../support/credentials.ts'
import { seeded } from '../support/fuzz.ts'
import { describeEngines, type TestHerald } from '../support/harness.ts'
import { world as tenantWorld } from '../support/world.ts'

const PREFIX = '/compat/kendo'
const BASE = `${PREFIX}/api/notifications`
const ROUTES: Array<['GET' | 'POST', string]> = [
  ['GET', BASE],
  ['POST', `${BASE}/bulk-read`],
  ['POST', `${BASE}/bulk-unread`],
  ['POST', `${BASE}/bulk-delete`],
]
const UNAUTHENTICATED = { message: 'Unauthenticated.' }

/** Two tenants; user 4 of the first calls, user 5 and the second tenant's user 4 are victims. */
async function world(h: TestHerald) {
  const notification = { type: 'mention', title: 'Hi' }
  const first = await tenantWorld(h, { notification })
  const second = await tenantWorld(h, { notification })
  const mine = [(await first.seed('4')).id, (await first.seed('4')).id]
  const foreign = [(await first.seed('5')).id, (await second.seed('4')).id]
  const admin = `Bearer ${await first.token('4', { admin: true })}`
  /** The victims' notifications as their owners see them: [id, read_at][]. */
  const victims = async () => {
    const out: unknown[] = []
    for (const [w, user] of [
      [first, '5'],
      [second, '4'],
    ] as const) {
      const token = await w.token(user)
      const r = await h.app.inject({ url: BASE, headers: { authorization: `Bearer ${token}` } })
      out.push(...r.json().map((n: { id: number; read_at: unknown }) => [n.id, n.read_at]))
    }
    return out
  }
  return { tenant: first.tenant, key: first.key, mine, foreign, admin, victims }
}

describeEngines('kendo security and fuzz', (get) => {
  test('every route: missing or invalid credentials answer 401 {"message":"Unauthenticated."}', async () => {
    const h = get()
    const w = await world(h)
    const c = await badCredentials(h, { tenant: w.tenant, user: '4', key: w.key })
    const valid = c.user
    const headers: Array<Record<string, string>> = [
      {},
      { authorization: '' },
      { authorization: `Basic ${Buffer.from('4:pw').toString('base64')}` },
      { authorization: `Token ${valid}` },
      { authorization: `bearer ${valid}` },
      { authorization: 'Bearer ' },
      ...notUserTokens(c).map(([, cred]) => ({
        authorization: `Bearer ${cred}`,
      })),
    ]
    for (const [method, url] of ROUTES) {
      for (const hd of headers) {
        const r = await h.app.inject({
          method,
          url,
          headers: hd,
          payload: method === 'POST' ? { notification_ids: w.mine } : undefined,
        })
        assert.equal(r.statusCode, 401, `${method} ${url} ${JSON.stringify(hd).slice(0, 60)}`)
        assert.deepEqual(r.json(), UNAUTHENTICATED)
      }
    }
    const own = await h.app.inject({ url: BASE, headers: { authorization: `Bearer ${valid}` } })
    assert.deepEqual(
      own.json().map((n: { read_at: unknown }) => n.read_at),
      [null, null],
    )
  })

  test("an admin still cannot read, change or delete another user's or tenant's notifications", async () => {
    const h = get()
    const w = await world(h)
    const before = await w.victims()
    assert.equal(before.length, 2)
    const list = await h.app.inject({ url: BASE, headers: { authorization: w.admin } })
    assert.deepEqual(
      list
        .json()
        .map((n: { id: number }) => n.id)
        .sort(),
      [...w.mine].sort(),
    )
    for (const [, url] of ROUTES.slice(1)) {
      for (const id of w.foreign) {
        const r = await h.app.inject({
          method: 'POST',
          url,
          headers: { authorization: w.admin },
          payload: { notification_ids: [id] },
        })
        const msg = 'The selected notification_ids.0 is invalid.'
        assert.equal(r.statusCode, 422)
        assert.deepEqual(r.json(), { message: msg, errors: { 'notification_ids.0': [msg] } })
      }
    }
    assert.deepEqual(await w.victims(), before)
  })

  test('unknown routes 404, wrong methods 405, oversized bodies 413, all as {"message"}', async () => {
    const h = get()
    const w = await world(h)
    const auth = { authorization: w.admin }
    const nf = await h.app.inject({ url: `${PREFIX}/api/issues`, headers: auth })
    assert.equal(nf.statusCode, 404)
    assert.deepEqual(nf.json(), { message: 'The route api/issues could not be found.' })
    const wrong = await h.app.inject({
      method: 'DELETE',
      url: `${BASE}/bulk-delete`,
      headers: auth,
    })
    assert.equal(wrong.statusCode, 405)
    assert.equal(wrong.headers.allow, 'POST')
    assert.deepEqual(wrong.json(), {
      message:
        'The DELETE method is not supported for route api/notifications/bulk-delete. Supported methods: POST.',
    })
    const post = await h.app.inject({ method: 'POST', url: BASE, headers: auth })
    assert.equal(post.statusCode, 405)
    assert.equal(post.headers.allow, 'GET, HEAD')
    const big = await h.app.inject({
      method: 'POST',
      url: `${BASE}/bulk-delete`,
      headers: { ...auth, 'content-type': 'application/json' },
      payload: `{"notification_ids":[${'1,'.repeat(600_000)}1]}`,
    })
    assert.equal(big.statusCode, 413)
    assert.deepEqual(big.json(), { message: 'The POST data is too large.' })
    assert.equal((await h.app.inject({ url: BASE, headers: auth })).json().length, w.mine.length)
  })

  test('a bulk body longer than 1,000 ids can be is refused by its length: 413 before parsing', async () => {
    const h = get()
    const w = await world(h)
    const auth = { authorization: w.admin }
    const post = (payload: string, type = 'application/json') =>
      h.app.inject({
        method: 'POST',
        url: `${BASE}/bulk-read`,
        headers: { ...auth, 'content-type': type },
        payload,
      })
    // 100 KB: a tenth of HERALD_BODY_LIMIT, but more than 1,000 ids ever take.
    const big = await post(`{"notification_ids":[${'1,'.repeat(50_000)}1]}`)
    assert.equal(big.statusCode, 413)
    assert.deepEqual(big.json(), { message: 'The POST data is too large.' })
    // The most ids allowed, as long as a client may write them, are read and validated.
    const id = (i: number) => String(9_000_000_000_000_000 + i)
    const ids = Array.from({ length: 1000 }, (_, i) => id(i))
    const pretty = JSON.stringify({ notification_ids: ids.map(Number) }, null, 8)
    const form = ids.map((i) => `notification_ids%5B%5D=${i}`).join('&')
    for (const [payload, type] of [
      [pretty, 'application/json'],
      [form, 'application/x-www-form-urlencoded'],
    ] as const) {
      const r = await post(payload, type)
      assert.equal(r.statusCode, 422, `${type}: ${r.body.slice(0, 200)}`)
      assert.ok(r.json().errors, r.body.slice(0, 200))
    }
  })

  test('fuzz: 300 seeded odd requests never 5xx and every 4xx is in the Laravel shape', async () => {
    const h = get()
    const w = await world(h)
    const before = await w.victims()
    const tokens = [
      w.admin,
      w.admin,
      `Bearer ${await h.token({ tenant: w.tenant, user: '4' })}`,
      `Bearer ${await h.token({ tenant: w.tenant, user: '4', scopes: ['read'] })}`,
      'Bearer not.a.token',
      `Bearer ${w.key}`,
    ]
    const gen = generator(0x6b656e64, w.mine, w.foreign)
    for (let i = 0; i < 300; i++) {
      const req = gen.request(tokens)
      const r = await h.app.inject(req)
      const where = `#${i} ${req.method} ${req.url} ${String(req.payload).slice(0, 80)}`
      assert.ok(r.statusCode < 500, `${where} -> ${r.statusCode} ${r.body}`)
      if (r.statusCode === 204) assert.equal(r.body, '', where)
      if (r.statusCode < 400 || req.method === 'HEAD') continue
      const body = r.json() as { message?: unknown; errors?: Record<string, unknown> }
      assert.equal(typeof body.message, 'string', `${where} -> ${r.body}`)
      if (r.statusCode === 422) {
        for (const [k, v] of Object.entries(body.errors ?? { missing: null })) {
          assert.match(k, /^notification_ids(\.\d+)?$/, where)
          assert.ok(Array.isArray(v) && v.every((m) => typeof m === 'string'), where)
        }
      } else assert.deepEqual(Object.keys(body), ['message'], where)
    }
    assert.deepEqual(await w.victims(), before)
  })
})

/** A small seeded PRNG (mulberry32), so a failure names a request that replays exactly. */
function generator(seed: number, mine: number[], foreign: number[]) {
  const ids = [...mine, ...foreign]
  const { next: rnd, pick } = seeded(seed)
  const ODD = [
    '',
    ' ',
    '0',
    '-1',
    '1e3',
    '1.5',
    '%zz',
    '%00',
    '☃',
    'null',
    '[]',
    '{}',
    'x'.repeat(300),
  ]
  const scalar = (): unknown =>
    pick([
      () => pick(ids),
      () => Math.floor(rnd() * 2 ** 40) - 2 ** 20,
      () => rnd() * 100,
      () => pick(ODD),
      () => String(pick(ids)),
      () => null,
      () => rnd() < 0.5,
      () => Number.MAX_SAFE_INTEGER + 2,
    ])()
  const value = (depth: number): unknown => {
    if (depth > 2 || rnd() < 0.5) return scalar()
    if (rnd() < 0.5) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1))
    return { [pick(['notification_ids', 'ids', '__proto__', 'a'])]: value(depth + 1) }
  }
  const body = (): [string | undefined, string | undefined] => {
    const list = () => Array.from({ length: 1 + Math.floor(rnd() * 4) }, scalar)
    const own = () => Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(mine))
    const ids = () => (rnd() < 0.4 ? own() : rnd() < 0.6 ? list() : value(0))
    const json = () => JSON.stringify({ notification_ids: ids() })
    return pick<() => [string | undefined, string | undefined]>([
      () => ['application/json', json()],
      () => ['application/json; charset=utf-8', JSON.stringify(value(0)) ?? 'null'],
      () => ['application/json', json().slice(0, Math.floor(rnd() * 20))],
      () => ['text/plain', json()],
      () => ['application/x-www-form-urlencoded', `notification_ids[]=${pick(ODD)}`],
      () => ['multipart/form-data; boundary=x', '--x\r\n'],
      () => [undefined, json()],
      () => ['application/vnd.api+json', json()],
    ])()
  }
  const routes = [
    '/api/notifications',
    '/api/notifications/bulk-read',
    '/api/notifications/bulk-unread',
    '/api/notifications/bulk-delete',
  ]
  const odd = [
    '/api/notifications/',
    '/api/notifications/bulk-delete/',
    '/api/notifications/15',
    '/api/notifications/%E2%98%83',
    '/api',
    '',
    '/',
  ]
  const query = () =>
    rnd() < 0.5
      ? ''
      : `?${pick(['page', 'per_page', 'notification_ids[]', 'sort', 'filter[read]', '%'])}=${encodeURIComponent(String(pick(ODD)))}`
  return {
    request(tokens: string[]) {
      const path = rnd() < 0.75 ? pick(routes) : pick(odd)
      const usual = path === routes[0] ? 'GET' : 'POST'
      const method = rnd() < 0.8 ? usual : pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'])
      const [type, payload] =
        method === 'GET' || method === 'HEAD' ? [undefined, undefined] : body()
      const headers: Record<string, string> = {}
      if (rnd() < 0.9) headers.authorization = pick(tokens)
      if (type) headers['content-type'] = type
      return { method, url: `${PREFIX}${path}${query()}`, headers, payload }
    },
  }
}
