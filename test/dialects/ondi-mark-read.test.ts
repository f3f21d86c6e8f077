import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { describeEngines, type TestHerald } from '../support/harness.ts'
import { world } from '../support/world.ts'

const BASE = '/compat/ondi/messaging/notifications'
const MARK = `${BASE}/mark-read`
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString()

/** A tenant with a producer key; `user()` adds one user with their own bearer header. */
async function tenantOf(h: TestHerald) {
  const notification = { type: 'new_assignment', title: 'T' }
  const w = await world(h, { tenant: randomUUID(), notification })
  const user = async (id = randomUUID()) => {
    const auth = `Bearer ${await w.token(id)}`
    const seed = async (body: Record<string, unknown> = {}): Promise<string> =>
      (await w.seed(id, body)).uuid
    const put = (payload?: unknown, headers: Record<string, string> = {}) =>
      h.app.inject({
        method: 'PUT',
        url: MARK,
        headers: { authorization: auth, ...headers },
        payload: payload as string | undefined,
      })
    const json = (payload: unknown) =>
      put(JSON.stringify(payload), { 'content-type': 'application/json' })
    const stats = async () => {
      const res = await h.app.inject({ url: `${BASE}/stats`, headers: { authorization: auth } })
      assert.equal(res.statusCode, 200, res.body)
      return res.json().stats as { total: number; unread: number; read: number }
    }
    /** id → read_at of every notification in the user's inbox. */
    const readAt = async () => {
      const res = await h.app.inject({ url: `${BASE}?limit=100`, headers: { authorization: auth } })
      const list = res.json().notifications as Array<{ id: string; read_at: string | null }>
      return Object.fromEntries(list.map((n) => [n.id, n.read_at]))
    }
    return { id, auth, seed, put, json, stats, readAt }
  }
  return { user }
}

const ok = (updated: number) => ({
  success: true,
  message: 'Notifications marked as read',
  updated_count: updated,
})

describeEngines('ondi conformance: mark-read and stats', (ctx) => {
  test('stats: total, unread and read over every notification the user has', async () => {
    const h = ctx()
    const u = await (await tenantOf(h)).user()
    await u.seed()
    await u.seed({ read: true })
    await u.seed({ dismissed: true })
    await u.seed({ snoozedUntil: at(999999) })
    const res = await h.app.inject({ url: `${BASE}/stats`, headers: { authorization: u.auth } })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), {
      success: true,
      message: 'Notification statistics retrieved successfully',
      stats: { total: 4, unread: 3, read: 1 },
    })
  })

  test('no body, an empty JSON body, {}, an empty array or other keys mark everything read', async () => {
    const h = ctx()
    const t = await tenantOf(h)
    const bodies: Array<[unknown, Record<string, string>]> = [
      [undefined, {}],
      ['', { 'content-type': 'application/json' }],
      ['  \n', { 'content-type': 'application/json; charset=utf-8' }],
      ['{}', { 'content-type': 'application/json' }],
      ['{"notification_ids":[]}', { 'content-type': 'application/json' }],
      ['{"ids":["x"]}', { 'content-type': 'application/json' }],
    ]
    for (const [payload, headers] of bodies) {
      const u = await t.user()
      await u.seed({ createdAt: at(1) })
      await u.seed({ createdAt: at(2), dismissed: true })
      const old = await u.seed({ createdAt: at(3), read: at(4) })
      const res = await u.put(payload, headers)
      assert.equal(res.statusCode, 200, `${JSON.stringify(payload)} ${res.body}`)
      assert.deepEqual(res.json(), ok(2))
      assert.deepEqual(await u.stats(), { total: 3, unread: 0, read: 3 })
      assert.equal((await u.readAt())[old], at(4), 'already read rows keep their read_at')
    }
  })

  test('mark-all touches only the caller: other users and tenants keep their state', async () => {
    const h = ctx()
    const t = await tenantOf(h)
    const u = await t.user()
    const colleague = await t.user()
    const twin = await (await tenantOf(h)).user(u.id)
    await u.seed()
    await colleague.seed()
    await twin.seed()
    assert.deepEqual((await u.put(undefined, {})).json(), ok(1))
    assert.deepEqual((await u.put(undefined, {})).json(), ok(0))
    assert.equal((await colleague.stats()).unread, 1)
    assert.equal((await twin.stats()).unread, 1)
  })

  test('with ids: only those, unread ones counted, read ones keep read_at', async () => {
    const h = ctx()
    const u = await (await tenantOf(h)).user()
    const a = await u.seed()
    const b = await u.seed()
    const c = await u.seed({ read: at(7) })
    const res = await u.json({ notification_ids: [a.toUpperCase(), c, a] })
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json(), ok(1))
    const state = await u.readAt()
    assert.ok(state[a], 'a is read')
    assert.equal(state[b], null, 'b was not named')
    assert.equal(state[c], at(7))
  })

  test('any invalid id rejects the whole request, listing them in request order', async () => {
    const h = ctx()
    const t = await tenantOf(h)
    const u = await t.user()
    const colleague = await t.user()
    const twin = await (await tenantOf(h)).user(u.id)
    const mine = await u.seed()
    const theirs = await colleague.seed()
    const elsewhere = await twin.seed()
    const missing = randomUUID()
    const cases: unknown[][] = [
      [mine, theirs],
      [elsewhere, mine, missing, 'uuid1', '', theirs],
      [mine, 42, 'uuid2', null, { id: mine }, theirs, [mine], true],
    ]
    for (const ids of cases) {
      const res = await u.json({ notification_ids: ids })
      assert.equal(res.statusCode, 400, res.body)
      assert.deepEqual(res.json(), {
        success: false,
        message: 'Invalid notification IDs',
        error: 'invalid_notification_ids',
        invalid_ids: ids.filter((id) => id !== mine),
      })
    }
    assert.deepEqual(await u.stats(), { total: 1, unread: 1, read: 0 })
    assert.equal((await colleague.stats()).unread, 1)
    assert.equal((await twin.stats()).unread, 1)
  })

  test('malformed bodies are 4xx in Ondi shape and change nothing', async () => {
    const h = ctx()
    const u = await (await tenantOf(h)).user()
    await u.seed()
    const json = { 'content-type': 'application/json' }
    const cases: Array<[string, Record<string, string>, number, string]> = [
      ['{"notification_ids":"x"}', json, 400, 'notification_ids must be an array'],
      ['{"notification_ids":null}', json, 400, 'notification_ids must be an array'],
      ['{"notification_ids":{"0":"a"}}', json, 400, 'notification_ids must be an array'],
      ['{"notification_ids":5}', json, 400, 'notification_ids must be an array'],
      ['[]', json, 400, 'Request body must be a JSON object'],
      ['"all"', json, 400, 'Request body must be a JSON object'],
      ['null', json, 400, 'Request body must be a JSON object'],
      ['7', json, 400, 'Request body must be a JSON object'],
      ['{"notification_ids":[', json, 400, 'Invalid JSON body'],
      ['{"__proto__":{"x":1}}', json, 400, 'Invalid JSON body'],
      ['notification_ids=a', { 'content-type': 'application/x-www-form-urlencoded' }, 415, ''],
      ['{}', { 'content-type': 'text/plain' }, 415, ''],
      ['{}', {}, 415, ''],
    ]
    for (const [payload, headers, status, message] of cases) {
      const res = await u.put(payload, headers)
      assert.equal(res.statusCode, status, `${payload} ${res.body}`)
      const body = res.json()
      assert.equal(body.success, false)
      if (message) assert.equal(body.message, message, payload)
      else assert.match(body.message, /^Unsupported media type/)
    }
    const many = Array.from({ length: 1001 }, () => randomUUID())
    const res = await u.json({ notification_ids: many })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json(), {
      success: false,
      message: 'notification_ids may hold at most 1000 IDs',
    })
    const big = await u.put(`{"notification_ids":["${'x'.repeat(1_100_000)}"]}`, json)
    assert.equal(big.statusCode, 413)
    assert.deepEqual(big.json(), { success: false, message: 'Payload too large' })
    assert.deepEqual(await u.stats(), { total: 1, unread: 1, read: 0 })
  })

  test('1000 ids is within the bound and is checked like any other list', async () => {
    const h = ctx()
    const u = await (await tenantOf(h)).user()
    const mine = await u.seed()
    const ids = [mine, ...Array.from({ length: 999 }, () => randomUUID())]
    const res = await u.json({ notification_ids: ids })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json().invalid_ids, ids.slice(1))
    assert.equal((await u.stats()).unread, 1)
  })
})
