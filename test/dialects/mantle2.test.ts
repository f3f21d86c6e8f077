import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'
import { world as tenantWorld } from '../support/world.ts'

const P = '/compat/mantle2/v2/users'
const hex = (uuid: string) => uuid.replaceAll('-', '')

/** A tenant with Mantle2-style numeric users, and a bearer header for each. */
async function world(h: TestHerald) {
  const w = await tenantWorld(h, {
    notification: { type: 'info', title: 'T' },
    profiles: {
      '42': { username: 'Alice' },
      '43': { username: 'bob.b' },
      '7': { username: 'boss', admin: true },
      '8': { username: 'mod', permissions: ['administer users'] },
      '1': { username: 'root', admin: true },
    },
  })
  const bearer = async (user: string, admin = false) => ({
    authorization: `Bearer ${await w.token(user, { admin })}`,
  })
  const seed = async (user: string, body: Record<string, unknown> = {}) =>
    hex((await w.seed(user, body)).uuid)
  const call = (method: string, url: string, headers: Record<string, string>, payload?: string) =>
    h.app.inject({ method: method as 'GET', url: `${P}${url}`, headers, payload })
  return { key: w.key, bearer, seed, call }
}

describeEngines('mantle2 conformance', (get) => {
  test('M1 list: envelope, exact item shape, order, counts, page keys', async () => {
    const w = await world(get())
    const alice = await w.bearer('42')
    const empty = await w.call('GET', '/current/notifications', alice)
    assert.equal(empty.statusCode, 200)
    assert.deepEqual(empty.json(), {
      unread_count: 0,
      has_warnings: false,
      has_errors: false,
      items: [],
      page: 1,
      limit: 0,
      total: 0,
    })
    const at = '2025-01-10T16:00:00.789Z'
    const a = await w.seed('42', {
      type: 'warning',
      title: 'A',
      body: 'first',
      link: 'https://x.test/a',
      source: '@bob',
      createdAt: at,
    })
    const b = await w.seed('42', { type: 'task_comment', title: 'B', createdAt: at, read: true })
    const c = await w.seed('42', { type: 'success', title: 'C', createdAt: '2025-01-11T00:00:00Z' })
    await w.seed('43', { type: 'error', title: 'not alice' })
    const res = await w.call('GET', '/current/notifications?limit=1&page=3&sort=bogus', alice)
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.deepEqual(Object.keys(body).slice(0, 4), [
      'unread_count',
      'has_warnings',
      'has_errors',
      'items',
    ])
    assert.equal(body.unread_count, 2)
    assert.equal(body.has_warnings, true)
    assert.equal(body.has_errors, false)
    assert.equal(body.total, 3)
    // Newest first; within the same instant the later id first.
    assert.deepEqual(
      body.items.map((n: { id: string }) => n.id),
      [c, b, a],
    )
    const first = body.items[2]
    assert.deepEqual(Object.keys(first), [
      'id',
      'title',
      'user_id',
      'message',
      'link',
      'type',
      'source',
      'read',
      'created_at',
    ])
    assert.deepEqual(first, {
      id: a,
      title: 'A',
      user_id: '000000000000000000000042',
      message: 'first',
      link: 'https://x.test/a',
      type: 'warning',
      source: '@bob',
      read: false,
      created_at: 1736524800,
    })
    // Core types Mantle2 has no word for are `info`; a missing source is `system`.
    assert.equal(body.items[1].type, 'info')
    assert.equal(body.items[1].source, 'system')
    assert.equal(body.items[1].read, true)
    assert.match(a, /^[0-9a-f]{32}$/)
  })

  test('M1 target forms: id, zero-padded id, @username, bare username, trailing slash', async () => {
    const w = await world(get())
    const alice = await w.bearer('42')
    const id = await w.seed('42', { type: 'error' })
    for (const who of ['42', '000000000000000000000042', '@alice', '@ALICE', 'Alice', 'current']) {
      for (const slash of ['', '/']) {
        const res = await w.call('GET', `/${who}/notifications${slash}`, alice)
        assert.equal(res.statusCode, 200, `${who}${slash}: ${res.body}`)
        assert.equal(res.json().items[0].id, id)
        assert.equal(res.json().has_errors, true)
      }
    }
    const miss = await w.call('GET', '/@nobody/notifications', alice)
    assert.equal(miss.statusCode, 404)
    assert.deepEqual(miss.json(), { code: 404, message: 'Not Found' })
    const badPattern = await w.call('GET', '/a-b/notifications', alice)
    assert.deepEqual(
      [badPattern.statusCode, badPattern.json()],
      [404, { code: 404, message: 'Not Found' }],
    )
  })

  test('M1 shows the 50 newest; dismissed and snoozed ones stay hidden', async () => {
    const h = get()
    const w = await world(h)
    const res = await send(h, w.key, {
      to: { users: ['42'] },
      type: 'info',
      title: 'old',
      createdAt: '2020-01-01T00:00:00Z',
    })
    assert.equal(res.status, 201)
    for (let i = 0; i < 50; i++) await w.seed('42', { title: `n${i}` })
    await w.seed('42', { title: 'gone', dismissed: true })
    const list = (await w.call('GET', '/current/notifications', await w.bearer('42'))).json()
    assert.equal(list.items.length, 50)
    assert.equal(list.unread_count, 50)
    assert.ok(!list.items.some((n: { title: string }) => n.title === 'old' || n.title === 'gone'))
  })

  test('M2 get: exact object, does not mark read, 404s', async () => {
    const w = await world(get())
    const alice = await w.bearer('42')
    const id = await w.seed('42', { title: 'One', body: 'msg', createdAt: '2025-01-10T14:00:00Z' })
    for (const url of [`/current/notifications/${id}`, `/@alice/notifications/${id}/`]) {
      const res = await w.call('GET', url, alice)
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(res.json(), {
        id,
        title: 'One',
        user_id: '000000000000000000000042',
        message: 'msg',
        link: null,
        type: 'info',
        source: 'system',
        read: false,
        created_at: 1736517600,
      })
    }
    const list = await w.call('GET', '/current/notifications', alice)
    assert.equal(list.json().unread_count, 1)
    const unknown = await w.call('GET', `/current/notifications/${'0'.repeat(32)}`, alice)
    assert.deepEqual(
      [unknown.statusCode, unknown.json()],
      [404, { code: 404, message: 'Notification not found' }],
    )
    // Not 32 lowercase hex characters: the route pattern fails, Drupal's plain 404.
    for (const bad of [id.toUpperCase(), id.slice(1), `${id}0`, 'clear']) {
      const res = await w.call('GET', `/current/notifications/${bad}`, alice)
      assert.deepEqual([res.statusCode, res.json()], [404, { code: 404, message: 'Not Found' }])
    }
  })

  test('M3 delete one: 204, gone, then 404', async () => {
    const w = await world(get())
    const alice = await w.bearer('42')
    const id = await w.seed('42')
    const keep = await w.seed('42')
    const del = await w.call('DELETE', `/42/notifications/${id}`, alice)
    assert.equal(del.statusCode, 204)
    assert.equal(del.body, '')
    const again = await w.call('DELETE', `/42/notifications/${id}`, alice)
    assert.deepEqual(
      [again.statusCode, again.json()],
      [404, { code: 404, message: 'Notification not found' }],
    )
    const items = (await w.call('GET', '/current/notifications', alice)).json().items
    assert.deepEqual(
      items.map((n: { id: string }) => n.id),
      [keep],
    )
  })

  test('M4/M5 mark all read and unread: 204, every item, also on an empty inbox', async () => {
    const w = await world(get())
    const alice = await w.bearer('42')
    for (const action of ['mark_all_read', 'mark_all_unread']) {
      const res = await w.call('POST', `/current/notifications/${action}`, alice)
      assert.equal(res.statusCode, 204)
      assert.equal(res.body, '')
    }
    await w.seed('42')
    await w.seed('42', { read: true })
    await w.seed('42', { dismissed: true })
    const bobs = await w.seed('43')
    const list = () => w.call('GET', '/current/notifications', alice).then((r) => r.json())
    assert.equal(
      (await w.call('POST', '/@alice/notifications/mark_all_read', alice)).statusCode,
      204,
    )
    assert.equal((await list()).unread_count, 0)
    assert.equal((await list()).items.length, 2)
    assert.equal(
      (await w.call('POST', '/42/notifications/mark_all_unread/', alice)).statusCode,
      204,
    )
    assert.equal((await list()).unread_count, 2)
    const bob = await w.call('GET', `/current/notifications/${bobs}`, await w.bearer('43'))
    assert.equal(bob.json().read, false)
  })

  test('M6/M7 mark one read and unread: 204, 409 when redundant, 404 when unknown', async () => {
    const w = await world(get())
    const alice = await w.bearer('42')
    const id = await w.seed('42')
    const post = (what: string) => w.call('POST', `/current/notifications/${id}/${what}`, alice)
    const redundantUnread = await post('mark_unread')
    assert.deepEqual(
      [redundantUnread.statusCode, redundantUnread.json()],
      [409, { code: 409, message: 'Notification is already marked as unread' }],
    )
    const read = await post('mark_read')
    assert.equal(read.statusCode, 204)
    assert.equal(read.body, '')
    const one = await w.call('GET', `/current/notifications/${id}`, alice)
    assert.equal(one.json().read, true)
    const redundantRead = await post('mark_read')
    assert.deepEqual(
      [redundantRead.statusCode, redundantRead.json()],
      [409, { code: 409, message: 'Notification is already marked as read' }],
    )
    assert.equal((await post('mark_unread')).statusCode, 204)
    assert.equal((await w.call('GET', `/42/notifications/${id}`, alice)).json().read, false)
    for (const what of ['mark_read', 'mark_unread']) {
      const res = await w.call('POST', `/current/notifications/${'f'.repeat(32)}/${what}`, alice)
      assert.deepEqual(
        [res.statusCode, res.json()],
        [404, { code: 404, message: 'Notification not found' }],
      )
    }
  })

  test('M8 clear: 204 and empty, also when already empty; other inboxes untouched', async () => {
    const w = await world(get())
    const alice = await w.bearer('42')
    await w.seed('42')
    await w.seed('42', { dismissed: true })
    const bobs = await w.seed('43')
    const res = await w.call('DELETE', '/current/notifications/clear', alice)
    assert.equal(res.statusCode, 204)
    assert.equal(res.body, '')
    assert.equal((await w.call('DELETE', '/42/notifications/clear/', alice)).statusCode, 204)
    assert.equal((await w.call('GET', '/current/notifications', alice)).json().total, 0)
    const bob = await w.call('GET', `/current/notifications/${bobs}`, await w.bearer('43'))
    assert.equal(bob.statusCode, 200)
  })

  test('M9 create: check order, coercions, 201 body, root user ignored', async () => {
    const w = await world(get())
    const boss = await w.bearer('7')
    const json = (s: unknown) => JSON.stringify(s)
    const create = (who: string, headers: Record<string, string>, body?: string) =>
      w.call('POST', `/${who}/notifications`, headers, body)
    const full = json({ title: 'Hi', description: 'Body', type: 'error', link: 'https://x.test' })
    const expect = async (
      res: Promise<{ statusCode: number; json(): unknown }>,
      s: number,
      m: string,
    ) => {
      const r = await res
      assert.deepEqual([r.statusCode, r.json()], [s, { code: s, message: m }])
    }
    // Authentication, then the target (404), then self-or-admin (403), then admin-only (403).
    await expect(create('42', {}, '{bad'), 401, 'Authentication required')
    await expect(create('999', boss, '{bad'), 404, 'Not Found')
    await expect(create('43', await w.bearer('42'), '{bad'), 403, 'Forbidden')
    await expect(
      create('42', await w.bearer('42'), full),
      403,
      'Only admins can create notifications for other users',
    )
    await expect(create('current', boss, full), 404, 'Not Found')
    for (const bad of [undefined, '', '{}', '{bad', '[]', '"text"', 'null', '5']) {
      await expect(create('42', boss, bad), 400, 'Invalid JSON')
    }
    for (const bad of [
      { title: 'x' },
      { description: 'y' },
      { title: '', description: 'y' },
      { title: 'x', description: '  ' },
      { title: 5, description: 'y' },
    ]) {
      await expect(create('@alice', boss, json(bad)), 400, 'Missing title or description')
    }
    assert.equal((await w.call('GET', '/42/notifications', boss)).json().total, 0)
    const made = await create('42', { ...boss, 'content-type': 'application/json' }, full)
    assert.equal(made.statusCode, 201, made.body)
    const n = made.json()
    assert.deepEqual(
      { ...n, id: 'x', created_at: 0 },
      {
        id: 'x',
        title: 'Hi',
        user_id: '000000000000000000000042',
        message: 'Body',
        link: 'https://x.test',
        type: 'error',
        source: 'system',
        read: false,
        created_at: 0,
      },
    )
    assert.match(n.id, /^[0-9a-f]{32}$/)
    assert.ok(Math.abs(n.created_at - Date.now() / 1000) < 600)
    const seen = await w.call('GET', `/current/notifications/${n.id}`, await w.bearer('42'))
    assert.deepEqual(seen.json(), n)
    const odd = await create(
      '@alice',
      boss,
      json({ title: 'a', description: 'b', type: 'article', source: 7 }),
    )
    assert.deepEqual(
      [odd.json().type, odd.json().source, odd.json().link],
      ['info', 'system', null],
    )
    const typed = await create(
      '42',
      boss,
      json({ title: 'a', description: 'b', type: 'success', source: 'admin' }),
    )
    assert.deepEqual([typed.json().type, typed.json().source], ['success', 'admin'])
    // A stored `administer users` permission is admin enough.
    const byMod = await create('43', await w.bearer('8'), json({ title: 'a', description: 'b' }))
    assert.equal(byMod.statusCode, 201, byMod.body)
    // An admin role in the token is admin enough for any target, including itself.
    const self = await create(
      '77',
      await w.bearer('77', true),
      json({ title: 'a', description: 'b' }),
    )
    assert.equal(self.statusCode, 201, self.body)
    const root = await create('1', boss, json({ title: 'a', description: 'b' }))
    assert.deepEqual([root.statusCode, root.body], [204, ''])
    assert.equal(
      (await w.call('GET', '/current/notifications', await w.bearer('1'))).json().total,
      0,
    )
  })

  test('M9 keeps the 50 newest: the new one stays, the oldest goes', async () => {
    const h = get()
    const w = await world(h)
    const oldest = await w.seed('42', { title: 'oldest', createdAt: '2020-01-01T00:00:00Z' })
    for (let i = 1; i < 50; i++) {
      await w.seed('42', {
        title: `n${i}`,
        createdAt: new Date(Date.UTC(2021, 0, i)).toISOString(),
      })
    }
    const boss = await w.bearer('7')
    const made = await w.call(
      'POST',
      '/42/notifications',
      boss,
      '{"title":"new","description":"d"}',
    )
    assert.equal(made.statusCode, 201)
    const list = (await w.call('GET', '/42/notifications', boss)).json()
    assert.equal(list.items.length, 50)
    assert.equal(list.items[0].id, made.json().id)
    assert.ok(!list.items.some((n: { id: string }) => n.id === oldest))
    const gone = await w.call('GET', `/42/notifications/${oldest}`, boss)
    assert.equal(gone.statusCode, 404)
  })

  test('M10 push registration: 200, with its own 400s', async () => {
    const w = await world(get())
    const alice = { ...(await w.bearer('42')), 'user-agent': 'crust/1.0' }
    const url = '/current/notifications/push'
    const ok = await w.call('POST', url, alice, '{"token":"abcdefghij","platform":"android"}')
    assert.equal(ok.statusCode, 200)
    assert.equal(typeof ok.json().message, 'string')
    const short = await w.call('POST', url, alice, '{"token":"short","platform":"ios"}')
    assert.deepEqual(Object.keys(short.json()), ['code', 'message'])
    assert.equal(short.statusCode, 400)
    const noAgent = { ...alice, 'user-agent': '' }
    const bare = await w.call('POST', url, noAgent, '{"token":"abcdefghij","platform":"ios"}')
    assert.deepEqual([bare.statusCode, bare.json().code], [400, 400])
    const anon = await w.call('POST', url, {}, '{}')
    assert.deepEqual(anon.json(), { code: 401, message: 'Authentication required' })
  })
})
