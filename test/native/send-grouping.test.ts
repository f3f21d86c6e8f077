import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'

async function listAs(h: TestHerald, tenant: string, user: string, query = '') {
  const token = await h.token({ tenant, user })
  const res = await h.app.inject({
    url: `/v1/me/notifications?limit=100${query}`,
    headers: { authorization: `Bearer ${token}` },
  })
  assert.equal(res.statusCode, 200, res.body)
  return res.json().items as Array<Record<string, unknown>>
}

const act = async (h: TestHerald, tenant: string, user: string, id: unknown, action: string) =>
  h.app.inject({
    method: 'POST',
    url: `/v1/me/notifications/${id}/${action}`,
    headers: { authorization: `Bearer ${await h.token({ tenant, user })}` },
  })

describeEngines('native send: groupKey folding and keepLatest', (get) => {
  test('sends with one groupKey fold into one notification per recipient', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    const base = { to: { users: ['r', 's'] }, type: 'comment', groupKey: 'thread-1' }
    const first = await send(h, key, {
      ...base,
      title: 'Ann commented',
      lastActionAt: '2024-01-01T00:00:00.000Z',
    })
    const firstId = (first.json.notifications as Array<{ recipientId: string; id: number }>).find(
      (n) => n.recipientId === 'r',
    )?.id
    await act(h, t, 'r', firstId, 'read')
    const second = await send(h, key, {
      ...base,
      type: 'comment.reply',
      title: 'Bob replied',
      lastActionAt: '2024-01-02T00:00:00.000Z',
    })
    const secondId = (second.json.notifications as Array<{ recipientId: string; id: number }>).find(
      (n) => n.recipientId === 'r',
    )?.id
    assert.equal(secondId, firstId, 'the send answers with the folded notification')
    const items = await listAs(h, t, 'r')
    assert.equal(items.length, 1)
    const n = items[0] ?? {}
    assert.equal(n.groupKey, 'thread-1')
    assert.equal(n.activityCount, 2)
    assert.equal(n.title, 'Bob replied', 'content is the latest')
    assert.equal(n.type, 'comment.reply')
    assert.equal(n.lastActionAt, '2024-01-02T00:00:00.000Z')
    assert.equal(n.read, false, 'new activity makes it unread again')
    assert.equal((await listAs(h, t, 's'))[0]?.activityCount, 2)
    const filtered = await listAs(h, t, 'r', '&groupKey=thread-1')
    assert.equal(filtered.length, 1)
    assert.equal((await listAs(h, t, 'r', '&groupKey=thread-2')).length, 0)
  })

  test('different group keys and ungrouped sends do not fold', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    await send(h, key, { to: { users: ['r'] }, type: 'x', title: 'a', groupKey: 'g1' })
    await send(h, key, { to: { users: ['r'] }, type: 'x', title: 'b', groupKey: 'g2' })
    await send(h, key, { to: { users: ['r'] }, type: 'x', title: 'c' })
    await send(h, key, { to: { users: ['r'] }, type: 'x', title: 'd' })
    const items = await listAs(h, t, 'r')
    assert.equal(items.length, 4)
    assert.ok(items.every((n) => n.activityCount === 1))
  })

  test('a fold that carries an initial state keeps it (imports)', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    await send(h, key, { to: { users: ['r'] }, type: 'x', title: 'a', groupKey: 'g' })
    await send(h, key, { to: { users: ['r'] }, type: 'x', title: 'b', groupKey: 'g', read: true })
    const [n] = await listAs(h, t, 'r')
    assert.equal(n?.activityCount, 2)
    assert.equal(n?.read, true)
  })

  test('keepLatest trims each recipient to the newest N, only for recipients of the send', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    for (let i = 1; i <= 5; i++) {
      const at = new Date(Date.UTC(2024, 0, i)).toISOString()
      await send(h, key, { to: { users: ['r', 'keep'] }, type: 'x', title: `n${i}`, createdAt: at })
    }
    await send(h, key, { to: { users: ['r'] }, type: 'x', title: 'n6', keepLatest: 3 })
    const titles = (await listAs(h, t, 'r')).map((n) => n.title)
    assert.deepEqual(titles, ['n6', 'n5', 'n4'])
    assert.equal((await listAs(h, t, 'keep')).length, 5)
  })
})
