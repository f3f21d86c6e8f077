import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'

async function getAs(h: TestHerald, tenant: string, user: string, url: string) {
  const token = await h.token({ tenant, user })
  return h.app.inject({ url, headers: { authorization: `Bearer ${token}` } })
}

const ref = (id: string, extra: object = {}) => ({
  id,
  type: null,
  title: null,
  key: null,
  label: null,
  ...extra,
})

describeEngines('native send: every field round-trips', (get) => {
  test('content, refs, data and flags come back through GET by id and by UUID', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    const res = await send(h, key, {
      to: { users: ['r'] },
      type: 'task.assigned',
      title: 'You were assigned KD-42',
      body: 'Body text with ünïcödé and "quotes"',
      link: 'https://example.com/t/42',
      source: 'tracker',
      actor: {
        id: 99,
        username: 'Ann',
        displayName: 'Ann A',
        firstName: 'Ann',
        lastName: 'A',
        avatarUrl: 'https://a/x.png',
      },
      project: { id: 'p1', type: 'project', title: 'Apollo', key: 'AP', label: 'Project' },
      target: { id: 't1', type: 'Task', title: 'Fix', key: 'KD-42', label: 'task' },
      parent: { id: 'e1' },
      root: { id: 'r1', title: 'Root' },
      data: { priority: 'high', n: 3, ok: true, nested: { list: [1, 'two', null] }, nothing: null },
      important: true,
      mention: true,
      automated: true,
    })
    assert.equal(res.status, 201, JSON.stringify(res.json))
    const made = (res.json.notifications as Array<{ id: number; uuid: string }>)[0]
    assert.ok(made)
    const byId = await getAs(h, t, 'r', `/v1/me/notifications/${made.id}`)
    assert.equal(byId.statusCode, 200, byId.body)
    const n = byId.json()
    assert.equal(n.uuid, made.uuid)
    assert.equal(n.type, 'task.assigned')
    assert.equal(n.title, 'You were assigned KD-42')
    assert.equal(n.body, 'Body text with ünïcödé and "quotes"')
    assert.equal(n.link, 'https://example.com/t/42')
    assert.equal(n.source, 'tracker')
    assert.deepEqual(n.actor, {
      id: '99',
      username: 'Ann',
      displayName: 'Ann A',
      firstName: 'Ann',
      lastName: 'A',
      avatarUrl: 'https://a/x.png',
    })
    assert.deepEqual(
      n.project,
      ref('p1', { type: 'project', title: 'Apollo', key: 'AP', label: 'Project' }),
    )
    assert.deepEqual(
      n.target,
      ref('t1', { type: 'Task', title: 'Fix', key: 'KD-42', label: 'task' }),
    )
    assert.deepEqual(n.parent, ref('e1'))
    assert.deepEqual(n.root, ref('r1', { title: 'Root' }))
    assert.deepEqual(n.data, {
      priority: 'high',
      n: 3,
      ok: true,
      nested: { list: [1, 'two', null] },
      nothing: null,
    })
    assert.deepEqual([n.important, n.mention, n.automated], [true, true, true])
    assert.deepEqual([n.read, n.seen, n.dismissed], [false, false, false])
    assert.equal(n.activityCount, 1)
    const byUuid = await getAs(h, t, 'r', `/v1/me/notifications/${made.uuid.toUpperCase()}`)
    assert.deepEqual(byUuid.json(), n)
  })

  test('defaults: empty body, nulls, no flags', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    await send(h, key, { to: { users: ['r'] }, type: 'x', title: 'Bare' })
    const [n] = (await getAs(h, t, 'r', '/v1/me/notifications')).json().items
    assert.equal(n.body, '')
    for (const f of ['link', 'source', 'actor', 'project', 'target', 'parent', 'root', 'data']) {
      assert.equal(n[f], null, f)
    }
    for (const f of [
      'readAt',
      'seenAt',
      'dismissedAt',
      'snoozedUntil',
      'expiresAt',
      'groupKey',
      'lastActionAt',
    ]) {
      assert.equal(n[f], null, f)
    }
    assert.deepEqual([n.important, n.mention, n.automated], [false, false, false])
  })

  test('imports: createdAt back-dating and initial read/seen/dismissed state', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    const at = '2021-03-04T05:06:07.890Z'
    await send(h, key, { to: { users: ['r'] }, type: 'x', title: 'old', createdAt: at, read: true })
    await send(h, key, {
      to: { users: ['r'] },
      type: 'x',
      title: 'seen at',
      seen: '2022-01-01T00:00:00.000Z',
      dismissed: '2022-02-01T00:00:00.000Z',
    })
    const list = (await getAs(h, t, 'r', '/v1/me/notifications?dismissed=include')).json().items
    const old = list.find((n: { title: string }) => n.title === 'old')
    assert.equal(old.createdAt, at)
    assert.equal(old.readAt, at)
    assert.equal(old.seenAt, at, 'read implies seen')
    assert.equal(old.read, true)
    const seen = list.find((n: { title: string }) => n.title === 'seen at')
    assert.equal(seen.seenAt, '2022-01-01T00:00:00.000Z')
    assert.equal(seen.read, false)
    assert.equal(seen.dismissedAt, '2022-02-01T00:00:00.000Z')
    assert.equal(list.at(-1).title, 'old', 'back-dated sorts last')
  })

  test('snoozedUntil hides until then; expiresAt in the past hides everywhere', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    const later = new Date(Date.now() + 3_600_000).toISOString()
    const s = await send(h, key, {
      to: { users: ['r'] },
      type: 'x',
      title: 'snoozed',
      snoozedUntil: later,
    })
    const e = await send(h, key, {
      to: { users: ['r'] },
      type: 'x',
      title: 'expired',
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    })
    await send(h, key, {
      to: { users: ['r'] },
      type: 'x',
      title: 'expires later',
      expiresAt: later,
    })
    const visible = (await getAs(h, t, 'r', '/v1/me/notifications')).json().items
    assert.deepEqual(
      visible.map((n: { title: string }) => n.title),
      ['expires later'],
    )
    assert.equal(visible[0].expiresAt, later)
    const snoozed = (await getAs(h, t, 'r', '/v1/me/notifications?snoozed=only')).json().items
    assert.deepEqual(
      snoozed.map((n: { snoozedUntil: string }) => n.snoozedUntil),
      [later],
    )
    const sid = (s.json.notifications as Array<{ id: number }>)[0]?.id
    assert.equal((await getAs(h, t, 'r', `/v1/me/notifications/${sid}`)).statusCode, 200)
    const eid = (e.json.notifications as Array<{ id: number }>)[0]?.id
    const gone = await getAs(h, t, 'r', `/v1/me/notifications/${eid}`)
    assert.equal(gone.statusCode, 404)
    const counts = (await getAs(h, t, 'r', '/v1/me/counts?snoozed=include')).json().counts
    assert.equal(counts.total, 2)
  })
})
