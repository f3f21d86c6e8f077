import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { badCredentials, notUserTokens } from '../support/credentials.ts'
import { describeEngines, startHerald, type TestHerald } from '../support/harness.ts'
import { world as tenantWorld } from '../support/world.ts'

const BASE = '/compat/ondi/messaging/notifications'
const ROUTES = [
  { method: 'GET', url: BASE },
  { method: 'PUT', url: `${BASE}/mark-read` },
  { method: 'GET', url: `${BASE}/stats` },
] as const

/** A tenant (UUID, as Ondi's are) with a producer key and one user's bearer header. */
async function world(h: TestHerald) {
  const notification = { type: 'new_assignment', title: 'T' }
  const w = await tenantWorld(h, { tenant: randomUUID(), notification })
  const user = randomUUID()
  const auth = `Bearer ${await w.token(user)}`
  const seed = async (body: Record<string, unknown>, to = user): Promise<string> =>
    (await w.seed(to, body)).uuid
  const get = (url: string, authorization = auth) =>
    h.app.inject({ method: 'GET', url, headers: { authorization } })
  return { tenant: w.tenant, user, key: w.key, auth, seed, get }
}

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString()

describeEngines('ondi conformance: list, credentials, tenancy', (ctx) => {
  test('renders the notification object and the list envelope', async () => {
    const h = ctx()
    const w = await world(h)
    const id = await w.seed({
      type: 'delivery_status_update',
      title: 'Parcel',
      body: 'Out for delivery',
      data: { parcel: 7 },
      createdAt: at(1),
    })
    const res = await w.get(BASE)
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), {
      success: true,
      message: 'Notifications retrieved successfully',
      notifications: [
        {
          id,
          tenant_id: w.tenant,
          user_id: w.user,
          notification_type: 'delivery_status_update',
          title: 'Parcel',
          message: 'Out for delivery',
          data: { parcel: 7 },
          is_read: false,
          read_at: null,
          created_at: at(1),
          updated_at: at(1),
        },
      ],
      total: 1,
      page: 1,
      limit: 20,
      total_pages: 1,
      unread_count: 1,
    })
  })

  test('read rows carry read_at; data defaults to null; the doc curl header is harmless', async () => {
    const h = ctx()
    const w = await world(h)
    await w.seed({ createdAt: at(1), read: at(5) })
    const res = await h.app.inject({
      url: `${BASE}?page=1&limit=20&read_status=true&notification_type=&tenant_id=${w.tenant}`,
      headers: { authorization: w.auth, 'content-type': 'application/json' },
    })
    assert.equal(res.statusCode, 200, res.body)
    const [n] = res.json().notifications
    assert.equal(n.is_read, true)
    assert.equal(n.read_at, at(5))
    assert.equal(n.updated_at, at(5))
    assert.equal(n.data, null)
    assert.equal(n.message, '')
  })

  test('sorts by created_at desc, ties by public id (UUID) desc, and pages with totals', async () => {
    const h = ctx()
    const w = await world(h)
    const a = await w.seed({ title: 'a', createdAt: at(1) })
    const b = await w.seed({ title: 'b', createdAt: at(3) })
    const c = await w.seed({ title: 'c', createdAt: at(2) })
    const d = await w.seed({ title: 'd', createdAt: at(2) })
    const e = await w.seed({ title: 'e', createdAt: at(4) })
    // c and d share a time: the greater UUID comes first.
    const tie = [c, d].sort().reverse()
    const all = (await w.get(BASE)).json()
    assert.deepEqual(
      all.notifications.map((n: { id: string }) => n.id),
      [e, b, ...tie, a],
    )
    const p2 = (await w.get(`${BASE}?page=2&limit=2`)).json()
    assert.deepEqual(
      p2.notifications.map((n: { id: string }) => n.id),
      tie,
    )
    assert.deepEqual([p2.total, p2.page, p2.limit, p2.total_pages], [5, 2, 2, 3])
    const past = (await w.get(`${BASE}?page=9&limit=2`)).json()
    assert.deepEqual([past.notifications.length, past.total, past.total_pages], [0, 5, 3])
    const max = (await w.get(`${BASE}?limit=100&page=`)).json()
    assert.deepEqual([max.limit, max.page, max.notifications.length], [100, 1, 5])
  })

  test('an empty inbox has zero pages', async () => {
    const w = await world(ctx())
    const body = (await w.get(BASE)).json()
    assert.deepEqual([body.total, body.total_pages, body.unread_count], [0, 0, 0])
    assert.deepEqual(body.notifications, [])
  })

  test('read_status and notification_type filter; unread_count ignores filters and page', async () => {
    const h = ctx()
    const w = await world(h)
    await w.seed({ type: 'new_assignment', createdAt: at(1) })
    await w.seed({ type: 'new_assignment', createdAt: at(2), read: true })
    await w.seed({ type: 'delivery_status_update', createdAt: at(3) })
    await w.seed({ type: 'delivery_status_update', createdAt: at(4), dismissed: true })
    await w.seed({ type: 'delivery_status_update', createdAt: at(5), snoozedUntil: at(999999) })
    const q = async (qs: string) => {
      const res = await w.get(`${BASE}?${qs}`)
      assert.equal(res.statusCode, 200, res.body)
      const b = res.json()
      return [b.total, b.notifications.length, b.unread_count]
    }
    assert.deepEqual(await q(''), [5, 5, 4])
    assert.deepEqual(await q('read_status='), [5, 5, 4])
    assert.deepEqual(await q('read_status=false'), [4, 4, 4])
    assert.deepEqual(await q('read_status=true'), [1, 1, 4])
    assert.deepEqual(await q('notification_type=new_assignment'), [2, 2, 4])
    assert.deepEqual(await q('notification_type=New_Assignment'), [0, 0, 4])
    assert.deepEqual(await q('notification_type=new'), [0, 0, 4])
    assert.deepEqual(
      await q('notification_type=delivery_status_update&read_status=false'),
      [3, 3, 4],
    )
    assert.deepEqual(
      await q('read_status=true&notification_type=delivery_status_update'),
      [0, 0, 4],
    )
    assert.deepEqual(await q('limit=1&page=2&read_status=true'), [1, 0, 4])
  })

  test('bad pagination, read_status and notification_type are 400 with exact bodies', async () => {
    const w = await world(ctx())
    const pagination = { success: false, message: 'Invalid pagination parameters' }
    for (const qs of [
      'page=0',
      'page=-1',
      'page=abc',
      'page=1.5',
      'page=1e2',
      'page=%201',
      'page=1&page=2',
      'page=1000001',
      'page=99999999999999999999',
      'limit=0',
      'limit=101',
      'limit=-5',
      'limit=ten',
    ]) {
      const res = await w.get(`${BASE}?${qs}`)
      assert.equal(res.statusCode, 400, qs)
      assert.deepEqual(res.json(), pagination, qs)
    }
    for (const qs of [
      'read_status=TRUE',
      'read_status=1',
      'read_status=yes',
      'read_status=true&read_status=false',
    ]) {
      const res = await w.get(`${BASE}?${qs}`)
      assert.equal(res.statusCode, 400, qs)
      assert.deepEqual(res.json(), { success: false, message: 'Invalid read_status' }, qs)
    }
    assert.equal((await w.get(`${BASE}?notification_type=${'t'.repeat(256)}`)).statusCode, 200)
    for (const qs of [
      'notification_type=a&notification_type=b',
      'notification_type=%00',
      // Past HERALD_MAX_FILTER_TEXT (256): it would become an element of a SQL list.
      `notification_type=${'t'.repeat(257)}`,
    ]) {
      const res = await w.get(`${BASE}?${qs}`)
      assert.equal(res.statusCode, 400, qs)
      assert.deepEqual(res.json(), { success: false, message: 'Invalid notification_type' }, qs)
    }
    // Empty page/limit mean the default, like an omitted parameter.
    const empty = (await w.get(`${BASE}?page=&limit=`)).json()
    assert.deepEqual([empty.page, empty.limit], [1, 20])
    // Leading zeros are still plain digits.
    assert.equal((await w.get(`${BASE}?page=01&limit=005`)).json().limit, 5)
  })
  test('every route answers 401 Unauthorized to missing and invalid credentials', async () => {
    const h = ctx()
    const w = await world(h)
    const c = await badCredentials(h, { tenant: w.tenant, user: w.user, key: w.key })
    const token = c.user
    const headers: Array<Record<string, string>> = [
      {},
      { authorization: '' },
      { authorization: 'Bearer' },
      { authorization: `Token ${token}` },
      { authorization: `Basic ${token}` },
      { authorization: token },
      { authorization: `Bearer ${token} extra` },
      ...notUserTokens(c).map(([, cred]) => ({ authorization: `Bearer ${cred}` })),
    ]
    const unread = await w.seed({})
    for (const route of ROUTES) {
      for (const hd of headers) {
        const res = await h.app.inject({
          method: route.method,
          url: `${route.url}?tenant_id=${w.tenant}`,
          headers: { ...hd, 'content-type': 'application/json' },
          payload: route.method === 'PUT' ? { notification_ids: [unread] } : undefined,
        })
        const what = `${route.method} ${route.url} ${JSON.stringify(hd).slice(0, 40)}`
        assert.equal(res.statusCode, 401, what)
        assert.deepEqual(res.json(), { success: false, message: 'Unauthorized' }, what)
      }
    }
    const after = (await w.get(`${BASE}/stats`)).json()
    assert.equal(after.stats.unread, 1, 'no rejected request changed anything')
  })

  test('401 comes before any other error', async () => {
    const h = ctx()
    const res = await h.app.inject({
      method: 'PUT',
      url: `${BASE}/mark-read?tenant_id=nope&page=0`,
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    })
    assert.equal(res.statusCode, 401)
    assert.deepEqual(res.json(), { success: false, message: 'Unauthorized' })
  })

  test('tenant_id: malformed 400, unknown 404, another tenant 403, own tenant or absent 200', async () => {
    const h = ctx()
    const w = await world(h)
    const other = await world(h)
    await w.seed({})
    await other.seed({}, w.user)
    const cases: Array<[string, number, Record<string, unknown> | null]> = [
      ['tenant_id=abc', 400, { success: false, message: 'Invalid tenant ID' }],
      [`tenant_id=${w.tenant}x`, 400, { success: false, message: 'Invalid tenant ID' }],
      [
        `tenant_id=${w.tenant}&tenant_id=${w.tenant}`,
        400,
        { success: false, message: 'Invalid tenant ID' },
      ],
      [`tenant_id=${randomUUID()}`, 404, { success: false, message: 'Tenant not found' }],
      [`tenant_id=${other.tenant}`, 403, { success: false, message: 'Forbidden' }],
      [`tenant_id=${other.tenant.toUpperCase()}`, 403, { success: false, message: 'Forbidden' }],
      [`tenant_id=${w.tenant}`, 200, null],
      [`tenant_id=${w.tenant.toUpperCase()}`, 200, null],
      ['tenant_id=', 200, null],
      ['', 200, null],
    ]
    for (const route of ROUTES) {
      for (const [qs, status, body] of cases) {
        const res = await h.app.inject({
          method: route.method,
          url: `${route.url}?${qs}`,
          headers: { authorization: w.auth },
        })
        const what = `${route.method} ${route.url}?${qs}`
        assert.equal(res.statusCode, status, `${what} ${res.body}`)
        if (body) assert.deepEqual(res.json(), body, what)
      }
    }
    // The PUTs above that passed marked only w's own notification; the other tenant's is untouched.
    const theirs = await other.get(
      `${BASE}/stats`,
      `Bearer ${await h.token({ tenant: other.tenant, user: w.user })}`,
    )
    assert.deepEqual(theirs.json().stats, { total: 1, unread: 1, read: 0 })
  })

  test('tenant errors come before parameter errors', async () => {
    const w = await world(ctx())
    const res = await w.get(`${BASE}?tenant_id=${randomUUID()}&page=0&read_status=maybe`)
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), { success: false, message: 'Tenant not found' })
  })

  test('a token whose own tenant Herald has never seen is 404 Tenant not found', async () => {
    const h = ctx()
    const auth = `Bearer ${await h.token({ tenant: randomUUID(), user: randomUUID() })}`
    for (const route of ROUTES) {
      const res = await h.app.inject({
        method: route.method,
        url: route.url,
        headers: { authorization: auth },
      })
      assert.equal(res.statusCode, 404)
      assert.deepEqual(res.json(), { success: false, message: 'Tenant not found' })
    }
  })

  test("nobody sees another user's or another tenant's notifications", async () => {
    const h = ctx()
    const w = await world(h)
    const other = await world(h)
    const mine = await w.seed({ title: 'mine' })
    await w.seed({ title: 'colleague' }, randomUUID())
    // The same user id in another tenant is another inbox.
    await other.seed({ title: 'elsewhere' }, w.user)
    const list = (await w.get(BASE)).json()
    assert.deepEqual(
      list.notifications.map((n: { id: string }) => n.id),
      [mine],
    )
    assert.equal(list.unread_count, 1)
    assert.deepEqual((await w.get(`${BASE}/stats`)).json().stats, { total: 1, unread: 1, read: 0 })
  })

  test('unknown routes and methods under the prefix are 404 in Ondi shape; routes stay out of OpenAPI', async () => {
    const h = ctx()
    const w = await world(h)
    for (const [method, url] of [
      ['GET', '/compat/ondi/messaging/nope'],
      ['POST', BASE],
      ['DELETE', `${BASE}/stats`],
      ['GET', `${BASE}/mark-read`],
      ['GET', '/compat/ondi/'],
    ] as const) {
      const res = await h.app.inject({ method, url, headers: { authorization: w.auth } })
      assert.equal(res.statusCode, 404, `${method} ${url}`)
      assert.deepEqual(res.json(), { success: false, message: 'Route not found' })
    }
    const doc = (await h.app.inject({ url: '/openapi.json' })).json()
    assert.ok(!Object.keys(doc.paths).some((p) => p.includes('messaging')))
  })

  test('the rate limit answers 429 in Ondi shape', async () => {
    const limited = await startHerald(ctx().engine, { HERALD_RATE_LIMIT: '2' })
    try {
      const w = await world(limited)
      const statuses: number[] = []
      let last = ''
      for (let i = 0; i < 3; i++) {
        const res = await w.get(`${BASE}/stats`)
        statuses.push(res.statusCode)
        last = res.body
      }
      assert.deepEqual(statuses, [200, 200, 429])
      assert.deepEqual(JSON.parse(last), { success: false, message: 'Too many requests' })
    } finally {
      await limited.close()
    }
  })
})
