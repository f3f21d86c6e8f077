import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines, type TestHerald } from '../support/harness.ts'
import { world as tenantWorld } from '../support/world.ts'

const BASE = '/compat/kendo/api/notifications'
const UPDATE = 'Notifications: Update'
const DELETE = 'Notifications: Delete'

/** One tenant with a producer key and helpers to seed and call the dialect as a user. */
async function world(h: TestHerald) {
  const w = await tenantWorld(h, { notification: { type: 'comment', title: 'Hi' } })
  const seed = async (user: string, extra: Record<string, unknown> = {}) =>
    (await w.seed(user, extra)).id
  const grant = (user: string, permissions: string[]) => w.putUser(user, { permissions })
  const auth = async (user: string, o: { admin?: boolean; scopes?: string[] } = {}) => ({
    authorization: `Bearer ${await w.token(user, o)}`,
  })
  const list = async (user: string) => {
    const r = await h.app.inject({ url: BASE, headers: await auth(user) })
    assert.equal(r.statusCode, 200, r.body)
    return r.json() as Array<Record<string, unknown>>
  }
  const post = async (action: string, headers: Record<string, string>, payload: unknown) =>
    h.app.inject({ method: 'POST', url: `${BASE}/${action}`, headers, payload: payload as object })
  return { seed, grant, auth, list, post }
}

const readAt = (items: Array<Record<string, unknown>>, id: number) =>
  items.find((n) => n.id === id)?.read_at

describeEngines('kendo conformance', (get) => {
  test('renders the documented object exactly, with every field fed by the native send', async () => {
    const h = get()
    const w = await world(h)
    const id = await w.seed('4', {
      type: 'comment',
      title: 'Carol Davis commented on KD-0038',
      createdAt: '2026-03-12T15:45:00Z',
      read: '2026-03-12T16:30:00Z',
      actor: { id: 9, firstName: 'Carol', lastName: 'Davis', avatarUrl: 'carol.jpg' },
      target: { id: 38, type: 'issue', key: 'KD-0038', title: 'Fix password change validation' },
      project: { id: 1 },
    })
    assert.deepEqual(await w.list('4'), [
      {
        id,
        type: 2,
        message: 'Carol Davis commented on KD-0038',
        read_at: '2026-03-12T16:30:00.000000Z',
        created_at: '2026-03-12T15:45:00.000000Z',
        actor: { id: 9, first_name: 'Carol', last_name: 'Davis', profile_picture: 'carol.jpg' },
        issue: { id: 38, key: 'KD-0038', title: 'Fix password change validation', project_id: 1 },
        notifiable: {
          type: 'issue',
          id: 38,
          key: 'KD-0038',
          title: 'Fix password change validation',
        },
      },
    ])
  })

  test('maps the type table 1-4, and a type outside it to null', async () => {
    const h = get()
    const w = await world(h)
    const keys = ['assignment', 'comment', 'lane_change', 'mention', 'task_comment']
    for (const [i, type] of keys.entries()) {
      await w.seed('4', { type, createdAt: `2026-01-0${i + 1}T00:00:00Z` })
    }
    const types = (await w.list('4')).map((n) => n.type)
    assert.deepEqual(types, [null, 4, 3, 2, 1])
  })

  test('bare array, newest first, ties broken by id descending, no paging', async () => {
    const h = get()
    const w = await world(h)
    const old = await w.seed('4', { createdAt: '2026-03-12T15:45:00Z' })
    const tieA = await w.seed('4', { createdAt: '2026-03-13T14:00:00Z' })
    const tieB = await w.seed('4', { createdAt: '2026-03-13T14:00:00Z' })
    const r = await h.app.inject({
      url: `${BASE}?page=2&per_page=1&limit=1&sort=created_at`,
      headers: await w.auth('4'),
    })
    assert.equal(r.statusCode, 200)
    assert.deepEqual(
      r.json().map((n: { id: number }) => n.id),
      [tieB, tieA, old],
    )
  })

  test('the whole list, past any page size: every one once, newest first, valid JSON', async () => {
    const h = get()
    const w = await world(h)
    const made: number[] = []
    // 230 in the same second: pages of 100 end inside a tie, which the keyset must carry over.
    for (let i = 0; i < 230; i++)
      made.push(await w.seed('9', { createdAt: `2026-03-13T14:00:0${i % 3}Z` }))
    const r = await h.app.inject({ url: BASE, headers: await w.auth('9') })
    assert.equal(r.statusCode, 200)
    assert.match(String(r.headers['content-type']), /^application\/json/)
    const ids = (JSON.parse(r.body) as Array<{ id: number; created_at: string }>).map((n) => n.id)
    assert.equal(ids.length, 230)
    assert.equal(new Set(ids).size, 230)
    const byTime = new Map(made.map((id, i) => [id, i % 3]))
    const expected = [...made].sort((a, b) => (byTime.get(b) ?? 0) - (byTime.get(a) ?? 0) || b - a)
    assert.deepEqual(ids, expected)
  })

  test('empty inbox is [], and a trailing slash is the same route', async () => {
    const h = get()
    const w = await world(h)
    for (const url of [BASE, `${BASE}/`]) {
      const r = await h.app.inject({ url, headers: await w.auth('nobody') })
      assert.equal(r.statusCode, 200)
      assert.equal(r.body, '[]')
    }
  })

  test('null actor, non-issue target and missing project render as null', async () => {
    const h = get()
    const w = await world(h)
    await w.seed('4', { target: { id: 'doc-1', type: 'document' } })
    await w.seed('4', { target: { id: 7, key: 'KD-0007' }, createdAt: '2020-01-01T00:00:00Z' })
    const [doc, untyped] = await w.list('4')
    assert.equal(doc?.actor, null)
    assert.equal(doc?.issue, null)
    assert.deepEqual(doc?.notifiable, { type: 'document', id: 'doc-1', key: null, title: null })
    assert.deepEqual(untyped?.issue, { id: 7, key: 'KD-0007', title: null, project_id: null })
  })

  test('lists dismissed and snoozed notifications too: Kendo has neither state', async () => {
    const h = get()
    const w = await world(h)
    await w.seed('4', { dismissed: true })
    await w.seed('4', { snoozedUntil: '2999-01-01T00:00:00Z' })
    assert.equal((await w.list('4')).length, 2)
  })

  test("never lists another user's or another tenant's notifications", async () => {
    const h = get()
    const w = await world(h)
    const other = await world(h)
    const mine = await w.seed('4')
    await w.seed('5')
    await other.seed('4')
    assert.deepEqual(
      (await w.list('4')).map((n) => n.id),
      [mine],
    )
  })

  test('bulk-read: 204 empty, sets read_at, keeps an earlier read_at, allows duplicates', async () => {
    const h = get()
    const w = await world(h)
    await w.grant('4', [UPDATE])
    const unread = await w.seed('4')
    const read = await w.seed('4', { read: '2026-03-12T16:30:00Z' })
    const r = await w.post('bulk-read', await w.auth('4'), {
      notification_ids: [unread, read, unread, String(read)],
    })
    assert.equal(r.statusCode, 204)
    assert.equal(r.body, '')
    const items = await w.list('4')
    assert.match(String(readAt(items, unread)), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}000Z$/)
    assert.equal(readAt(items, read), '2026-03-12T16:30:00.000000Z')
  })

  test('bulk-unread: 204, read_at back to null', async () => {
    const h = get()
    const w = await world(h)
    await w.grant('4', [UPDATE])
    const id = await w.seed('4', { read: true })
    const r = await w.post('bulk-unread', await w.auth('4'), { notification_ids: [id] })
    assert.equal(r.statusCode, 204)
    assert.equal(r.body, '')
    assert.equal(readAt(await w.list('4'), id), null)
  })

  test('bulk-delete: 204, the notifications are gone, others stay', async () => {
    const h = get()
    const w = await world(h)
    await w.grant('4', [DELETE])
    const a = await w.seed('4')
    const b = await w.seed('4')
    const r = await w.post('bulk-delete', await w.auth('4'), { notification_ids: [a] })
    assert.equal(r.statusCode, 204)
    assert.deepEqual(
      (await w.list('4')).map((n) => n.id),
      [b],
    )
  })

  test('trailing slash reaches the same bulk route', async () => {
    const h = get()
    const w = await world(h)
    await w.grant('4', [UPDATE])
    const id = await w.seed('4')
    const r = await w.post('bulk-read/', await w.auth('4'), { notification_ids: [id] })
    assert.equal(r.statusCode, 204)
    assert.notEqual(readAt(await w.list('4'), id), null)
  })

  test('each validation case of the contract answers 422 with its exact body', async () => {
    const h = get()
    const w = await world(h)
    await w.grant('4', [UPDATE])
    const field = (m: string) => ({ message: m, errors: { notification_ids: [m] } })
    const required = field('The notification ids field is required.')
    const notArray = field('The notification ids field must be an array.')
    const cases: Array<[unknown, unknown]> = [
      [{}, required],
      [{ notification_ids: null }, required],
      [{ notification_ids: '  ' }, required],
      [[1, 2], required],
      [{ notification_ids: '12' }, notArray],
      [{ notification_ids: 12 }, notArray],
      [{ notification_ids: { 0: 12 } }, notArray],
      [{ notification_ids: [] }, field('The notification ids field must have at least 1 items.')],
    ]
    for (const [payload, expected] of cases) {
      const r = await w.post('bulk-read', await w.auth('4'), payload)
      assert.equal(r.statusCode, 422, JSON.stringify(payload))
      assert.deepEqual(r.json(), expected, JSON.stringify(payload))
    }
  })

  test('more ids than HERALD_MAX_IDS (1000): one short 422, no element echoed', async () => {
    const h = get()
    const w = await world(h)
    await w.grant('4', [UPDATE])
    const m = 'The notification ids field must not have more than 1000 items.'
    // Non-integers once made one message each: 250,000 of them answered 20.8 MB.
    for (const ids of [Array(1001).fill(1), Array(5_000).fill('x')]) {
      const r = await w.post('bulk-read', await w.auth('4'), { notification_ids: ids })
      assert.equal(r.statusCode, 422)
      assert.deepEqual(r.json(), { message: m, errors: { notification_ids: [m] } })
    }
    // A body longer than 1,000 ids can be is refused by its length, unread.
    const long = await w.post('bulk-read', await w.auth('4'), {
      notification_ids: Array(100_000).fill('x'),
    })
    assert.equal(long.statusCode, 413)
    assert.deepEqual(long.json(), { message: 'The POST data is too large.' })
    const ok = await w.post('bulk-read', await w.auth('4'), {
      notification_ids: Array(1000).fill('x'),
    })
    assert.equal(ok.statusCode, 422, 'at the bound the elements are judged')
    assert.equal(Object.keys(ok.json().errors).length, 1000)
  })

  test('non-integer elements: notification_ids.<index> must be an integer', async () => {
    const h = get()
    const w = await world(h)
    await w.grant('4', [UPDATE])
    const msg = 'The notification_ids.0 field must be an integer.'
    for (const bad of [1.5, 'abc', null, true, [1], { id: 1 }, '012', 2 ** 60]) {
      const r = await w.post('bulk-unread', await w.auth('4'), { notification_ids: [bad] })
      assert.equal(r.statusCode, 422, JSON.stringify(bad))
      assert.deepEqual(r.json(), { message: msg, errors: { 'notification_ids.0': [msg] } })
    }
  })

  test("unknown, another user's and another tenant's ids: 422 selected-invalid, nothing changes", async () => {
    const h = get()
    const w = await world(h)
    const other = await world(h)
    await w.grant('4', [UPDATE, DELETE])
    const mine = await w.seed('4')
    const theirs = await w.seed('5')
    const foreignTenant = await other.seed('4')
    for (const action of ['bulk-read', 'bulk-delete']) {
      for (const bad of [theirs, foreignTenant, 99_999_999, 0, -3]) {
        const r = await w.post(action, await w.auth('4'), { notification_ids: [mine, bad] })
        const msg = 'The selected notification_ids.1 is invalid.'
        assert.equal(r.statusCode, 422)
        assert.deepEqual(r.json(), { message: msg, errors: { 'notification_ids.1': [msg] } })
      }
    }
    assert.equal(readAt(await w.list('4'), mine), null)
    assert.equal(readAt(await w.list('5'), theirs), null)
    assert.equal(readAt(await other.list('4'), foreignTenant), null)
  })

  test('several failures: first message plus "(and N more error[s])", in element order', async () => {
    const h = get()
    const w = await world(h)
    await w.grant('4', [DELETE])
    const mine = await w.seed('4')
    const theirs = await w.seed('5')
    const r = await w.post('bulk-delete', await w.auth('4'), {
      notification_ids: [mine, 'x', theirs, 99_999_999],
    })
    assert.equal(r.statusCode, 422)
    assert.deepEqual(r.json(), {
      message: 'The notification_ids.1 field must be an integer. (and 2 more errors)',
      errors: {
        'notification_ids.1': ['The notification_ids.1 field must be an integer.'],
        'notification_ids.2': ['The selected notification_ids.2 is invalid.'],
        'notification_ids.3': ['The selected notification_ids.3 is invalid.'],
      },
    })
    const two = await w.post('bulk-delete', await w.auth('4'), { notification_ids: [0, 'y'] })
    assert.equal(
      two.json().message,
      'The selected notification_ids.0 is invalid. (and 1 more error)',
    )
    assert.equal((await w.list('4')).length, 1)
  })

  test('malformed JSON or a non-JSON body is no input: 422 required, as in Laravel', async () => {
    const h = get()
    const w = await world(h)
    await w.grant('4', [UPDATE])
    const required = 'The notification ids field is required.'
    const bodies: Array<[string, string]> = [
      ['application/json', '{"notification_ids": [1,'],
      ['application/json', ''],
      ['text/plain', '{"notification_ids":[1]}'],
      ['application/x-www-form-urlencoded', 'notification_ids[]=1'],
    ]
    for (const [type, payload] of bodies) {
      const r = await h.app.inject({
        method: 'POST',
        url: `${BASE}/bulk-read`,
        headers: { ...(await w.auth('4')), 'content-type': type },
        payload,
      })
      assert.equal(r.statusCode, 422, `${type} ${payload}`)
      assert.deepEqual(r.json(), { message: required, errors: { notification_ids: [required] } })
    }
  })

  test('without the permission: 403 before validation, nothing changes', async () => {
    const h = get()
    const w = await world(h)
    await w.grant('4', [UPDATE])
    const id = await w.seed('4')
    const denied = { message: 'This action is unauthorized.' }
    for (const action of ['bulk-read', 'bulk-unread', 'bulk-delete']) {
      for (const payload of [{ notification_ids: [id] }, { notification_ids: 'nope' }]) {
        const r = await w.post(action, await w.auth('5'), payload)
        assert.equal(r.statusCode, 403)
        assert.deepEqual(r.json(), denied)
      }
    }
    // Update does not grant delete.
    const r = await w.post('bulk-delete', await w.auth('4'), { notification_ids: [id] })
    assert.equal(r.statusCode, 403)
    assert.deepEqual(r.json(), denied)
    assert.deepEqual(
      (await w.list('4')).map((n) => [n.id, n.read_at]),
      [[id, null]],
    )
  })

  test('admins bypass permissions; a token scope can carry the permission', async () => {
    const h = get()
    const w = await world(h)
    const a = await w.seed('4')
    const b = await w.seed('4')
    const admin = await w.post('bulk-read', await w.auth('4', { admin: true }), {
      notification_ids: [a],
    })
    assert.equal(admin.statusCode, 204)
    const scoped = await w.auth('4', { scopes: ['write', DELETE] })
    assert.equal((await w.post('bulk-delete', scoped, { notification_ids: [b] })).statusCode, 204)
    const items = await w.list('4')
    assert.deepEqual(
      items.map((n) => n.id),
      [a],
    )
    assert.notEqual(items[0]?.read_at, null)
  })

  test('scopes: read allows GET only; write allows both; no scope claim means both', async () => {
    const h = get()
    const w = await world(h)
    await w.grant('4', [UPDATE])
    const id = await w.seed('4')
    const badScope = { message: 'Invalid scope(s) provided.' }
    const get4 = async (scopes?: string[]) =>
      h.app.inject({ url: BASE, headers: await w.auth('4', scopes ? { scopes } : {}) })
    assert.equal((await get4(['read'])).statusCode, 200)
    assert.equal((await get4(['write'])).statusCode, 200)
    assert.equal((await get4()).statusCode, 200)
    const none = await get4(['profile'])
    assert.equal(none.statusCode, 403)
    assert.deepEqual(none.json(), badScope)
    const readOnly = await w.post('bulk-read', await w.auth('4', { scopes: ['read'] }), {
      notification_ids: [id],
    })
    assert.equal(readOnly.statusCode, 403)
    assert.deepEqual(readOnly.json(), badScope)
    assert.equal(readAt(await w.list('4'), id), null)
    const write = await w.post('bulk-read', await w.auth('4', { scopes: ['write'] }), {
      notification_ids: [id],
    })
    assert.equal(write.statusCode, 204)
  })
})
