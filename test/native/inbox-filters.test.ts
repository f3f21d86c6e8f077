import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'

const day = (d: number) => new Date(Date.UTC(2024, 0, d)).toISOString()

/** Eight notifications for `r`, each differing in the fields one filter looks at. */
const SEEDS: Array<Record<string, unknown>> = [
  { title: 'plain', type: 'comment', createdAt: day(1) },
  { title: 'read', type: 'comment', createdAt: day(2), read: true },
  { title: 'dismissed', type: 'task', createdAt: day(3), dismissed: true },
  {
    title: 'actor',
    type: 'task',
    createdAt: day(4),
    actor: { id: 'a1', username: 'Ann_Smith' },
    project: { id: 'p1' },
    target: { id: 't1' },
    parent: { id: 'e1' },
  },
  { title: 'pct', type: 'mention', createdAt: day(5), actor: { id: 'a2', username: 'ann%x' } },
  { title: 'flags', type: 'mention', createdAt: day(6), important: true, mention: true },
  { title: 'data', type: 'deploy', createdAt: day(7), data: { env: 'prod', n: 2, ok: true } },
  { title: 'grouped', type: 'deploy', createdAt: day(8), groupKey: 'g1', seen: true },
]

describeEngines('native inbox: every list filter', (get) => {
  let tenant = ''
  let token = ''
  const titles = async (query: string) => {
    const h: TestHerald = get()
    const res = await h.app.inject({
      url: `/v1/me/notifications?limit=100&${query}`,
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(res.statusCode, 200, `${query}: ${res.body}`)
    return (res.json().items as Array<{ title: string }>).map((n) => n.title).sort()
  }

  before(async () => {
    const h = get()
    tenant = h.tenant()
    const key = await h.apiKey(tenant)
    for (const s of SEEDS) {
      const res = await send(h, key, { to: { users: ['r'] }, ...s })
      assert.equal(res.status, 201, JSON.stringify(res.json))
    }
    // Noise: another user of the tenant, and the same user id in another tenant.
    await send(h, key, { to: { users: ['other'] }, type: 'comment', title: 'not mine' })
    const otherKey = await h.apiKey(h.tenant())
    await send(h, otherKey, { to: { users: ['r'] }, type: 'comment', title: 'other tenant' })
    token = await h.token({ tenant, user: 'r' })
  })

  test('no filter: every visible one of mine (dismissed excluded)', async () => {
    assert.deepEqual(await titles(''), [
      'actor',
      'data',
      'flags',
      'grouped',
      'pct',
      'plain',
      'read',
    ])
  })

  test('type, and a comma list of types', async () => {
    assert.deepEqual(await titles('type=comment'), ['plain', 'read'])
    assert.deepEqual(await titles('type=comment,%20mention'), ['flags', 'pct', 'plain', 'read'])
    assert.deepEqual(await titles('type=nothing'), [])
    assert.deepEqual(await titles(`type=${'comment,'.repeat(200)}`), ['plain', 'read'])
  })

  test('more than 100 distinct types in the query is a 400 naming type', async () => {
    const many = Array.from({ length: 101 }, (_, i) => `t${i}`).join(',')
    const res = await get().app.inject({
      url: `/v1/me/notifications?type=${many}`,
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(res.statusCode, 400, res.body)
    assert.equal(res.json().error.details.field, 'querystring.type')
  })

  test('read and seen', async () => {
    assert.deepEqual(await titles('read=true'), ['read'])
    assert.equal((await titles('read=false')).length, 6)
    assert.deepEqual(await titles('seen=true'), ['grouped', 'read'])
  })

  test('dismissed exclude / include / only', async () => {
    assert.ok(!(await titles('dismissed=exclude')).includes('dismissed'))
    assert.equal((await titles('dismissed=include')).length, 8)
    assert.deepEqual(await titles('dismissed=only'), ['dismissed'])
  })

  test('actorId and actorUsername prefix: any case, % and _ are literal', async () => {
    assert.deepEqual(await titles('actorId=a1'), ['actor'])
    assert.deepEqual(await titles('actorUsername=ANN'), ['actor', 'pct'])
    assert.deepEqual(await titles('actorUsername=ann_'), ['actor'])
    assert.deepEqual(await titles('actorUsername=ann%25'), ['pct'])
    assert.deepEqual(await titles('actorUsername=%25'), [])
    assert.deepEqual(await titles('actorUsername=a_n'), [])
  })

  test('project, target, parent and group key', async () => {
    assert.deepEqual(await titles('projectId=p1'), ['actor'])
    assert.deepEqual(await titles('targetId=t1'), ['actor'])
    assert.deepEqual(await titles('parentId=e1'), ['actor'])
    assert.deepEqual(await titles('projectId=p2'), [])
    assert.deepEqual(await titles('groupKey=g1'), ['grouped'])
  })

  test('createdAfter and createdBefore are exclusive bounds', async () => {
    assert.deepEqual(await titles(`createdAfter=${day(6)}`), ['data', 'grouped'])
    assert.deepEqual(await titles(`createdBefore=${day(2)}`), ['plain'])
    assert.deepEqual(await titles(`createdAfter=${day(1)}&createdBefore=${day(4)}`), ['read'])
  })

  test('important and mention', async () => {
    assert.deepEqual(await titles('important=true'), ['flags'])
    assert.deepEqual(await titles('mention=true'), ['flags'])
    assert.equal((await titles('important=false')).length, 6)
  })

  test('data equality, and injection attempts match nothing', async () => {
    const q = (o: unknown) => `data=${encodeURIComponent(JSON.stringify(o))}`
    assert.deepEqual(await titles(q({ env: 'prod' })), ['data'])
    assert.deepEqual(await titles(q({ env: 'prod', n: 2, ok: true })), ['data'])
    assert.deepEqual(await titles(q({ n: '2' })), [], 'types must match')
    assert.deepEqual(await titles(q({ env: 'dev' })), [])
    assert.deepEqual(await titles(q({ a: "x' OR 1=1 --" })), [])
    assert.deepEqual(await titles(q({ "env' OR '1'='1": 'prod' })), [])
    assert.deepEqual(await titles(q({ env: "prod'); DELETE FROM notifications; --" })), [])
    assert.equal((await titles('')).length, 7, 'nothing was changed')
  })

  test('several filters narrow together', async () => {
    assert.deepEqual(await titles('type=task,mention&actorUsername=ann'), ['actor', 'pct'])
    assert.deepEqual(await titles('type=task&read=true'), [])
  })
})
