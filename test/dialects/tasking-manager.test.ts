import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines } from '../support/harness.ts'
import { DAY, world } from '../support/tasking-manager-world.ts'

type Item = Record<string, unknown>
const ids = (json: { userMessages: Item[] }) => json.userMessages.map((m) => m.messageId)

describeEngines('tasking-manager dialect: list, filters, sort, pages', (get) => {
  test('an empty inbox answers the exact empty envelope', async () => {
    const w = await world(get())
    const res = await (await w.as('1'))('/')
    assert.equal(res.status, 200)
    assert.equal(
      res.body,
      '{"pagination":{"hasNext":false,"hasPrev":false,"nextNum":null,"page":1,"pages":0,"prevNum":null,"perPage":10,"total":0},"userMessages":[]}',
    )
  })

  test('list items: every field from its native source, no fromUserId, TM times', async () => {
    const w = await world(get())
    const full = await w.push('5', {
      type: 'validation',
      title: 'Task validated',
      body: '<p>Well done</p>',
      actor: { id: '77', username: 'Mapper', avatarUrl: 'https://img/77.png' },
      project: { id: '123', title: 'Roads' },
      target: { id: '9', type: 'task' },
      createdAt: '2025-03-01T10:20:30.123Z',
    })
    const bare = await w.push('5', {
      type: 'custom_thing',
      title: 'Plain',
      project: { id: '8' },
      createdAt: '2025-03-01T10:20:30Z',
    })
    const odd = await w.push('5', {
      type: 'broadcast',
      actor: { id: 'not-a-number' },
      project: { id: 'proj-x', title: 'X' },
      createdAt: '2025-02-01T00:00:00Z',
    })
    const notitle = await w.push('5', {
      type: 'mention',
      project: { id: '8' },
      createdAt: '2025-01-01T00:00:00Z',
    })
    const res = await (await w.as('5'))('/')
    assert.equal(res.status, 200)
    const byId = new Map((res.json().userMessages as Item[]).map((m) => [m.messageId, m]))
    assert.deepEqual(byId.get(full), {
      messageId: full,
      subject: 'Task validated',
      message: '<p>Well done</p>',
      fromUsername: 'Mapper',
      displayPictureUrl: 'https://img/77.png',
      projectId: 123,
      projectTitle: 'Roads',
      taskId: 9,
      messageType: 'VALIDATION_NOTIFICATION',
      sentDate: '2025-03-01T10:20:30.123000Z',
      read: false,
    })
    const b = byId.get(bare)
    assert.equal(b?.sentDate, '2025-03-01T10:20:30Z')
    assert.equal(b?.messageType, null, 'a type outside the table renders null')
    assert.equal(b?.projectId, 8)
    assert.equal(b?.projectTitle, null, 'null message_type gives a null projectTitle')
    assert.equal(b?.fromUsername, null)
    assert.equal(b?.displayPictureUrl, null)
    const o = byId.get(odd)
    assert.equal(o?.projectId, null, 'a non-digit project id renders null')
    assert.equal(o?.projectTitle, null)
    assert.equal(o?.taskId, null)
    assert.equal(byId.get(notitle)?.projectTitle, '', 'a project without a title gives ""')
    assert.ok(!('fromUserId' in (o ?? {})))
  })

  test('messageType: one, a comma list, empty (no filter), unknown ints match nothing', async () => {
    const w = await world(get())
    const sys = await w.push('5', { type: 'system' })
    const bro = await w.push('5', { type: 'broadcast' })
    const tb = await w.push('5', { type: 'team_broadcast' })
    const tm = await w.as('5')
    const sorted = async (q: string) => ids((await tm(`/?${q}`)).json()).sort()
    assert.deepEqual(await sorted('messageType=2'), [bro])
    assert.deepEqual(await sorted('messageType=1,%2011'), [sys, tb].sort())
    assert.deepEqual(await sorted('messageType='), [sys, bro, tb].sort())
    assert.deepEqual(await sorted('messageType=12'), [])
    assert.deepEqual(
      await sorted(`messageType=${'2,'.repeat(3000)}2`),
      [bro],
      'repeats are one type',
    )
    const total = (await tm('/?messageType=1,2')).json().pagination.total
    assert.equal(total, 2, 'total counts the filtered set')
  })

  test('from: case-insensitive prefix with unescaped wildcards; actorless never matches', async () => {
    const w = await world(get())
    const ann = await w.push('5', { actor: { id: '1', username: 'Annabel' } })
    const anx = await w.push('5', { actor: { id: '2', username: 'an_x' } })
    const bob = await w.push('5', { actor: { id: '3', username: 'bob' } })
    await w.push('5', {})
    const tm = await w.as('5')
    const q = async (from: string) =>
      ids((await tm(`/?from=${encodeURIComponent(from)}`)).json()).sort()
    assert.deepEqual(await q('ANN'), [ann])
    assert.deepEqual(await q('an'), [ann, anx].sort())
    assert.deepEqual(await q('_nn'), [ann], '_ is a single-character wildcard')
    assert.deepEqual(await q('%'), [ann, anx, bob].sort(), '% matches every sender')
    assert.deepEqual(await q('nab'), [], 'a prefix, not a substring')
    assert.equal((await tm('/?from=')).json().pagination.total, 4, 'empty from is no filter')
  })

  test('from past HERALD_MAX_FILTER_TEXT (256) is a 422 echoing only the bound', async () => {
    const w = await world(get())
    const tm = await w.as('5')
    assert.equal((await tm(`/?from=${'x'.repeat(256)}`)).status, 200)
    // 3,000 characters once made an ILIKE pattern that took 5.4 s on a 50,000-message inbox.
    const res = await tm(`/?from=${'x'.repeat(3000)}`)
    assert.equal(res.status, 422)
    const msg = 'String should have at most 256 characters'
    const input = 'x'.repeat(256)
    const ctx = { max_length: 256 }
    const item = { type: 'string_too_long', loc: ['query', 'from'], msg, input, ctx }
    assert.deepEqual(res.json(), { detail: [item] })
  })

  test('project, taskId and status filters', async () => {
    const w = await world(get())
    const p7 = await w.push('5', { project: { id: '7' }, target: { id: '3' } })
    const p0 = await w.push('5', { project: { id: '0' }, target: { id: '4' }, read: true })
    const none = await w.push('5', {})
    const tm = await w.as('5')
    const q = async (s: string) => ids((await tm(`/?${s}`)).json()).sort()
    assert.deepEqual(await q('project=7'), [p7])
    assert.deepEqual(await q('project=0'), [p0], '"0" is a set filter')
    assert.deepEqual(await q('project=+007'), [p7])
    assert.deepEqual(await q('taskId=4'), [p0])
    assert.deepEqual(await q('taskId=0'), [p7, p0, none].sort(), 'taskId=0 is no filter')
    assert.deepEqual(await q('status=read'), [p0])
    assert.deepEqual(await q('status=unread'), [p7, none].sort())
    assert.deepEqual(await q('status=READ'), [p7, p0, none].sort(), 'case-sensitive, else ignored')
  })

  test('sortBy date, message_type (by the integer), from_user_id, project_id, read', async () => {
    const w = await world(get())
    const at = (d: number) => new Date(Date.UTC(2025, 0, d)).toISOString()
    const a = await w.push('5', {
      type: 'validation', // 4
      actor: { id: '10' },
      project: { id: '10' },
      createdAt: at(1),
    })
    const b = await w.push('5', {
      type: 'system', // 1
      actor: { id: '9' },
      project: { id: '9' },
      createdAt: at(3),
      read: true,
    })
    const c = await w.push('5', { type: 'project_chat', createdAt: at(2) }) // 9, no sender
    const d = await w.push('5', { type: 'zzz_unknown', createdAt: at(4) }) // null type
    const tm = await w.as('5')
    const q = async (s: string) => ids((await tm(`/?${s}`)).json())
    assert.deepEqual(await q(''), [d, b, c, a], 'default: date desc')
    assert.deepEqual(await q('sortBy=date&sortDirection=ASC'), [a, c, b, d])
    assert.deepEqual(await q('sortBy=bogus&sortDirection=up'), [d, b, c, a])
    assert.deepEqual(await q('sortBy=message_type&sortDirection=asc'), [b, a, c, d])
    assert.deepEqual(await q('sortBy=message_type'), [d, c, a, b], 'nulls first under desc')
    assert.deepEqual(await q('sortBy=from_user_id&sortDirection=asc'), [b, a, c, d])
    assert.deepEqual(await q('sortBy=project_id&sortDirection=desc'), [d, c, a, b])
    assert.deepEqual(await q('sortBy=read&sortDirection=asc'), [a, c, d, b])
  })

  test('pages: numbers, totals, past the end, and Herald bounds as 422', async () => {
    const w = await world(get())
    const base = Date.UTC(2025, 0, 1)
    const all: number[] = []
    for (let i = 0; i < 7; i++) {
      all.push(await w.push('5', { createdAt: new Date(base + i * 1000).toISOString() }))
    }
    all.reverse()
    const tm = await w.as('5')
    const p1 = (await tm('/?pageSize=3')).json()
    assert.deepEqual(p1.pagination, {
      hasNext: true,
      hasPrev: false,
      nextNum: 2,
      page: 1,
      pages: 3,
      prevNum: null,
      perPage: 3,
      total: 7,
    })
    assert.deepEqual(ids(p1), all.slice(0, 3))
    const p3 = (await tm('/?pageSize=3&page=3')).json()
    assert.deepEqual(ids(p3), all.slice(6))
    assert.equal(p3.pagination.hasNext, false)
    assert.equal(p3.pagination.prevNum, 2)
    const p9 = await tm('/?pageSize=3&page=9')
    assert.equal(p9.status, 200)
    assert.deepEqual(p9.json().userMessages, [])
    assert.equal(p9.json().pagination.hasPrev, true)
    assert.equal(p9.json().pagination.prevNum, 8)
    assert.equal((await tm('/?pageSize=1000')).status, 200)
    const bad: Array<[string, unknown]> = [
      [
        'pageSize=0',
        {
          type: 'greater_than_equal',
          loc: ['query', 'pageSize'],
          msg: 'Input should be greater than or equal to 1',
          input: '0',
          ctx: { ge: 1 },
        },
      ],
      [
        'pageSize=1001',
        {
          type: 'less_than_equal',
          loc: ['query', 'pageSize'],
          msg: 'Input should be less than or equal to 1000',
          input: '1001',
          ctx: { le: 1000 },
        },
      ],
      ['page=0', { type: 'greater_than_equal', loc: ['query', 'page'] }],
      ['page=x', { type: 'int_parsing', loc: ['query', 'page'], input: 'x' }],
      [
        'taskId=1.5',
        {
          type: 'int_parsing',
          loc: ['query', 'taskId'],
          msg: 'Input should be a valid integer, unable to parse string as an integer',
          input: '1.5',
        },
      ],
      ['messageType=1,x', { type: 'int_parsing', loc: ['query', 'messageType'], input: 'x' }],
      ['project=roads', { type: 'int_parsing', loc: ['query', 'project'], input: 'roads' }],
    ]
    for (const [query, want] of bad) {
      const res = await tm(`/?${query}`)
      assert.equal(res.status, 422, query)
      const detail = res.json().detail
      assert.equal(detail.length, 1)
      for (const [k, v] of Object.entries(want as object)) assert.deepEqual(detail[0][k], v, query)
    }
  })

  test('tie-breaker: equal sort keys order by id in the same direction', async () => {
    const w = await world(get())
    const at = '2025-05-05T05:05:05Z'
    const x = await w.push('5', { createdAt: at })
    const y = await w.push('5', { createdAt: at })
    const tm = await w.as('5')
    assert.deepEqual(ids((await tm('/')).json()), [y, x])
    assert.deepEqual(ids((await tm('/?sortDirection=asc')).json()), [x, y])
  })

  test('natively dismissed or snoozed notifications still show: TM has no such states', async () => {
    const w = await world(get())
    const dis = await w.push('5', { dismissed: true })
    const snz = await w.push('5', { snoozedUntil: new Date(Date.now() + DAY).toISOString() })
    const res = await (await w.as('5'))('/')
    assert.deepEqual(ids(res.json()).sort(), [dis, snz].sort())
  })
})
