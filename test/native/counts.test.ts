import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'
import { world } from '../support/world.ts'

const as = (h: TestHerald, token: string) => ({
  get: (url: string) => h.app.inject({ url, headers: { authorization: `Bearer ${token}` } }),
  post: (url: string, payload: object) =>
    h.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, payload }),
  put: (url: string) =>
    h.app.inject({ method: 'PUT', url, headers: { authorization: `Bearer ${token}` } }),
})

async function seed(h: TestHerald) {
  const { tenant, key, tokens } = await world(h, { users: ['r'] })
  const to = { users: ['r'] }
  for (let i = 0; i < 3; i++) await send(h, key, { to, type: 'comment', title: `c${i}` })
  await send(h, key, { to, type: 'task', title: 'read task', read: true })
  await send(h, key, { to, type: 'task', title: 'dismissed', dismissed: true })
  await send(h, key, { to, type: 'task', title: 'expired', expiresAt: '2000-01-01T00:00:00Z' })
  await send(h, key, { to: { users: ['other'] }, type: 'comment', title: 'not mine' })
  return { tenant, key, r: as(h, tokens.r) }
}

describeEngines('native inbox: counts and checkpoint', (get) => {
  test('GET counts: total, unread, unseen, byType; expired and dismissed are not counted', async () => {
    const h = get()
    const { r } = await seed(h)
    const res = await r.get('/v1/me/counts?byType=true')
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json(), {
      counts: { total: 4, unread: 3, unseen: 3 },
      capped: { total: false, unread: false, unseen: false },
      byType: { comment: 3, task: 1 },
    })
    const typed = (await r.get('/v1/me/counts?type=task&dismissed=include')).json()
    assert.deepEqual(typed.counts, { total: 2, unread: 1, unseen: 1 })
    assert.equal(typed.byType, undefined)
  })

  test('cap: counts stop at the cap and say so', async () => {
    const h = get()
    const { r } = await seed(h)
    const res = (await r.get('/v1/me/counts?cap=3')).json()
    assert.deepEqual(res.counts, { total: 3, unread: 3, unseen: 3 })
    assert.deepEqual(res.capped, { total: true, unread: false, unseen: false })
    assert.equal((await r.get('/v1/me/counts?cap=0')).statusCode, 400)
    assert.equal((await r.get('/v1/me/counts?cap=x')).statusCode, 400)
  })

  test('POST counts: several named filters in one call', async () => {
    const h = get()
    const { r } = await seed(h)
    const res = await r.post('/v1/me/counts', {
      filters: {
        comments: { types: ['comment'] },
        unreadTasks: { types: ['task'], read: false },
        all: {},
      },
      cap: 2,
    })
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json().counts, { comments: 2, unreadTasks: 0, all: 2 })
    assert.deepEqual(res.json().capped, { comments: true, unreadTasks: false, all: true })
    const bad = [
      { filters: {} },
      { filters: { 'bad name!': {} } },
      { filters: { a: { read: 'maybe' } } },
      { filters: { a: {} }, extra: true },
    ]
    for (const body of bad) {
      const out = await r.post('/v1/me/counts', body)
      assert.equal(out.statusCode, 400, `${JSON.stringify(body)}: ${out.body}`)
      assert.equal(out.json().error.code, 'VALIDATION')
    }
  })

  test('POST counts: filters on the content and on the state, mixed, each answer in its place', async () => {
    const h = get()
    const { key, tokens } = await world(h, { users: ['m'] })
    const to = { users: ['m'] }
    await send(h, key, { to, type: 'comment', title: 'a1', actor: { id: 'a', username: 'Alice' } })
    await send(h, key, { to, type: 'comment', title: 'a2', actor: { id: 'a', username: 'Alice' } })
    await send(h, key, { to, type: 'task', title: 'b1', actor: { id: 'b', username: 'Bob' } })
    const res = await as(h, tokens.m).post('/v1/me/counts', {
      filters: {
        tasks: { types: ['task'] },
        alice: { actorUsername: 'ali' },
        all: {},
        bob: { actorId: 'b' },
        nobody: { actorUsername: 'zed' },
        comments: { types: ['comment'] },
      },
    })
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json().counts, {
      tasks: 1,
      alice: 2,
      all: 3,
      bob: 1,
      nobody: 0,
      comments: 2,
    })
  })

  test('plain counts and pages, built once per shape, answer each user, place and cap anew', async () => {
    const h = get()
    const { key, tokens } = await world(h, { users: ['p', 'q'] })
    await send(h, key, { to: { users: ['p', 'q'] }, type: 'comment', title: 'both', read: true })
    const actor = { id: 'a', username: 'Al' }
    for (let i = 0; i < 3; i++) {
      await send(h, key, { to: { users: ['p'] }, type: 'task', title: `p${i}`, actor })
    }
    const p = as(h, tokens.p)
    const q = as(h, tokens.q)
    const state = { unread: { read: false }, all: {} }
    // The same two plain filters behind a content filter (counted apart), then before it: the
    // statement of the two then names its columns differently.
    const behind = { tasks: { actorUsername: 'al' }, ...state }
    const before = { ...state, tasks: { actorUsername: 'al' } }
    for (const [who, counts] of [
      [p, { tasks: 3, unread: 3, all: 4 }],
      [q, { tasks: 0, unread: 0, all: 1 }],
    ] as const) {
      for (const filters of [behind, before, behind]) {
        const res = await who.post('/v1/me/counts', { filters })
        assert.equal(res.statusCode, 200, res.body)
        assert.deepEqual(res.json().counts, counts)
      }
    }
    assert.deepEqual((await p.get('/v1/me/counts')).json().counts, {
      total: 4,
      unread: 3,
      unseen: 3,
    })
    assert.deepEqual((await p.get('/v1/me/counts?cap=2')).json().counts, {
      total: 2,
      unread: 2,
      unseen: 2,
    })
    assert.deepEqual((await q.get('/v1/me/counts?cap=2')).json().counts, {
      total: 1,
      unread: 0,
      unseen: 0,
    })
    const first = (await p.get('/v1/me/notifications?limit=2')).json()
    assert.deepEqual(
      first.items.map((n: { title: string }) => n.title),
      ['p2', 'p1'],
    )
    const next = (await p.get(`/v1/me/notifications?limit=2&cursor=${first.nextCursor}`)).json()
    assert.deepEqual(
      next.items.map((n: { title: string }) => n.title),
      ['p0', 'both'],
    )
    const theirs = (await q.get('/v1/me/notifications?limit=2')).json()
    assert.deepEqual(
      theirs.items.map((n: { title: string }) => n.title),
      ['both'],
    )
    const unread = (await q.get('/v1/me/notifications?limit=2&read=false')).json()
    assert.deepEqual(unread.items, [])
  })

  test('checkpoint: null until put; afterwards older ones are seen, newer unseen', async () => {
    const h = get()
    const { r, key } = await seed(h)
    assert.deepEqual((await r.get('/v1/me/checkpoint')).json(), { at: null })
    const put = await r.put('/v1/me/checkpoint')
    assert.equal(put.statusCode, 200)
    const at = put.json().at as string
    assert.ok(Date.parse(at) <= Date.now())
    assert.deepEqual((await r.get('/v1/me/checkpoint')).json(), { at })
    assert.equal((await r.get('/v1/me/counts')).json().counts.unseen, 0)
    await send(h, key, { to: { users: ['r'] }, type: 'comment', title: 'after checkpoint' })
    const counts = (await r.get('/v1/me/counts')).json().counts
    assert.deepEqual(counts, { total: 5, unread: 4, unseen: 1 })
    const unseen = (await r.get('/v1/me/notifications?seen=false')).json().items
    assert.deepEqual(
      unseen.map((n: { title: string }) => n.title),
      ['after checkpoint'],
    )
    const seen = (await r.get('/v1/me/notifications?seen=true')).json().items
    assert.equal(seen.length, 4)
  })

  test('counts and checkpoints are per user and per tenant', async () => {
    const h = get()
    const { tenant, r } = await seed(h)
    await r.put('/v1/me/checkpoint')
    const neighbour = as(h, await h.token({ tenant, user: 'other' }))
    assert.deepEqual((await neighbour.get('/v1/me/checkpoint')).json(), { at: null })
    assert.deepEqual((await neighbour.get('/v1/me/counts')).json().counts, {
      total: 1,
      unread: 1,
      unseen: 1,
    })
    const outsider = as(h, await h.token({ tenant: h.tenant(), user: 'r' }))
    assert.deepEqual((await outsider.get('/v1/me/counts')).json().counts, {
      total: 0,
      unread: 0,
      unseen: 0,
    })
    assert.deepEqual((await outsider.get('/v1/me/checkpoint')).json(), { at: null })
  })
})
