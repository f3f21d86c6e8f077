import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { describeEngines, startHerald, type TestHerald } from '../support/harness.ts'
import { world } from '../support/world.ts'

const BASE = '/compat/ondi/messaging/notifications'
const SAME_TIME = '2026-02-01T09:00:00.000Z'

const listIds = async (h: TestHerald, url: string, authorization: string): Promise<string[]> => {
  const res = await h.app.inject({ url, headers: { authorization } })
  assert.equal(res.statusCode, 200, res.body)
  return res.json().notifications.map((n: { id: string }) => n.id)
}

/** The UUIDs' order as Ondi sorts ties: descending, compared as UUIDs (their hex text). */
const byUuidDesc = (ids: string[]) => [...ids].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))

describeEngines('ondi: notifications of one created_at come by public id, descending', (ctx) => {
  test('ties order by UUID descending on every page, with and without read_status', async () => {
    const h = ctx()
    const w = await world(h, { tenant: randomUUID(), notification: { type: 't', title: 'T' } })
    const user = randomUUID()
    const auth = `Bearer ${await w.token(user)}`
    const older = (await w.seed(user, { createdAt: '2026-01-01T00:00:00Z' })).uuid
    const newer = (await w.seed(user, { createdAt: '2026-03-01T00:00:00Z' })).uuid
    const tied: string[] = []
    // Nine ties: their insertion (internal id) order matches UUID order with odds of 1 in 362,880.
    for (let i = 0; i < 9; i++) tied.push((await w.seed(user, { createdAt: SAME_TIME })).uuid)
    const expected = [newer, ...byUuidDesc(tied), older]
    assert.deepEqual(await listIds(h, BASE, auth), expected)
    assert.deepEqual(await listIds(h, `${BASE}?read_status=false`, auth), expected)
    // Numbered pages cut the same total order: no row twice, none left out.
    const paged: string[] = []
    for (let page = 1; page <= 4; page++) {
      paged.push(...(await listIds(h, `${BASE}?limit=3&page=${page}`, auth)))
    }
    assert.deepEqual(paged, expected)
  })
})

describeEngines('ondi: one user token for several tenants', (ctx) => {
  /** Tenants a and b share user `u` (one token names both); c is a tenant u is not in. */
  async function tenants(h: TestHerald) {
    const note = { type: 'new_assignment', title: 'T' }
    const [a, b, c] = await Promise.all(
      [0, 1, 2].map(() => world(h, { tenant: randomUUID(), notification: note })),
    )
    if (!a || !b || !c) throw new Error('no worlds')
    const user = randomUUID()
    const token = await h.token({ tenant: a.tenant, tenants: [a.tenant, b.tenant], user })
    return { a, b, c, user, auth: `Bearer ${token}` }
  }

  test("reads each of its tenants' inboxes with tenant_id; another tenant is 403", async () => {
    const h = ctx()
    const { a, b, c, user, auth } = await tenants(h)
    const inA = (await a.seed(user, { title: 'in a' })).uuid
    const inB = (await b.seed(user, { title: 'in b' })).uuid
    await c.seed(user, { title: 'in c' })
    assert.deepEqual(await listIds(h, `${BASE}?tenant_id=${a.tenant}`, auth), [inA])
    assert.deepEqual(await listIds(h, `${BASE}?tenant_id=${b.tenant}`, auth), [inB])
    // Ondi compares tenant ids as UUIDs: upper case names the same tenant.
    assert.deepEqual(await listIds(h, `${BASE}?tenant_id=${b.tenant.toUpperCase()}`, auth), [inB])
    // Without tenant_id the token's own (first) tenant.
    assert.deepEqual(await listIds(h, BASE, auth), [inA])
    const stats = await h.app.inject({
      url: `${BASE}/stats?tenant_id=${b.tenant}`,
      headers: { authorization: auth },
    })
    assert.deepEqual(stats.json().stats, { total: 1, unread: 1, read: 0 })
    for (const [method, url] of [
      ['GET', BASE],
      ['GET', `${BASE}/stats`],
      ['PUT', `${BASE}/mark-read`],
    ] as const) {
      const res = await h.app.inject({
        method,
        url: `${url}?tenant_id=${c.tenant}`,
        headers: { authorization: auth },
      })
      assert.equal(res.statusCode, 403, `${method} ${url} ${res.body}`)
      assert.deepEqual(res.json(), { success: false, message: 'Forbidden' })
    }
    // c's notification is still unread: the refused mark-read changed nothing.
    const cAuth = `Bearer ${await c.token(user)}`
    const cStats = await h.app.inject({ url: `${BASE}/stats`, headers: { authorization: cAuth } })
    assert.deepEqual(cStats.json().stats, { total: 1, unread: 1, read: 0 })
  })

  test("mark-read in b marks b's notifications only; a's stay unread", async () => {
    const h = ctx()
    const { a, b, user, auth } = await tenants(h)
    await a.seed(user)
    const inB = (await b.seed(user)).uuid
    // An id of a's, named while acting in b, is not b's: all or nothing.
    const inA = (await a.seed(user)).uuid
    const mixed = await h.app.inject({
      method: 'PUT',
      url: `${BASE}/mark-read?tenant_id=${b.tenant}`,
      headers: { authorization: auth },
      payload: { notification_ids: [inB, inA] },
    })
    assert.equal(mixed.statusCode, 400, mixed.body)
    assert.deepEqual(mixed.json().invalid_ids, [inA])
    const res = await h.app.inject({
      method: 'PUT',
      url: `${BASE}/mark-read?tenant_id=${b.tenant}`,
      headers: { authorization: auth },
    })
    assert.deepEqual(res.json(), {
      success: true,
      message: 'Notifications marked as read',
      updated_count: 1,
    })
    const stats = async (tenant: string) =>
      (
        await h.app.inject({
          url: `${BASE}/stats?tenant_id=${tenant}`,
          headers: { authorization: auth },
        })
      ).json().stats
    assert.deepEqual(await stats(b.tenant), { total: 1, unread: 0, read: 1 })
    assert.deepEqual(await stats(a.tenant), { total: 2, unread: 2, read: 0 })
  })

  test('a listed tenant Herald has never seen is 404 Tenant not found', async () => {
    const h = ctx()
    const { a, user } = await tenants(h)
    const unseen = randomUUID()
    const token = await h.token({ tenant: a.tenant, tenants: [unseen], user })
    const res = await h.app.inject({
      url: `${BASE}?tenant_id=${unseen}`,
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(res.statusCode, 404, res.body)
    assert.deepEqual(res.json(), { success: false, message: 'Tenant not found' })
  })

  test('rate limits count per tenant and user: the budget in a is not the one in b', async () => {
    const h = ctx()
    const limited = await startHerald(h.engine, { HERALD_RATE_LIMIT: '2' })
    try {
      const { a, b, user, auth } = await tenants(limited)
      await a.seed(user)
      await b.seed(user)
      const get = (tenant: string) =>
        limited.app.inject({ url: `${BASE}?tenant_id=${tenant}`, headers: { authorization: auth } })
      assert.equal((await get(a.tenant)).statusCode, 200)
      assert.equal((await get(a.tenant)).statusCode, 200)
      const third = await get(a.tenant)
      assert.equal(third.statusCode, 429, third.body)
      assert.deepEqual(third.json(), { success: false, message: 'Too many requests' })
      // The same user acting in b has a budget of its own.
      assert.equal((await get(b.tenant)).statusCode, 200)
      assert.equal((await get(b.tenant)).statusCode, 200)
      assert.equal((await get(b.tenant)).statusCode, 429)
    } finally {
      await limited.close()
    }
  })
})
