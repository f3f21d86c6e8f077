import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'

interface Item {
  id: number
  createdAt: string
}
interface PageOut {
  items: Item[]
  nextCursor: string | null
}

const TIE = '2024-05-05T05:05:05.000Z'

describeEngines('native inbox: sort and cursor pages', (get) => {
  let token = ''
  const page = async (query: string) => {
    const h: TestHerald = get()
    const res = await h.app.inject({
      url: `/v1/me/notifications?${query}`,
      headers: { authorization: `Bearer ${token}` },
    })
    return res
  }
  const walk = async (query: string) => {
    const seen: Item[] = []
    let cursor: string | null = null
    for (let i = 0; i < 50; i++) {
      const res = await page(`${query}${cursor ? `&cursor=${cursor}` : ''}`)
      assert.equal(res.statusCode, 200, res.body)
      const body = res.json() as PageOut
      seen.push(...body.items)
      cursor = body.nextCursor
      if (!cursor) return seen
    }
    throw new Error('pages never ended')
  }

  before(async () => {
    const h = get()
    const tenant = h.tenant()
    const key = await h.apiKey(tenant)
    // 25 sharing one created_at (ties broken by id), and 20 at distinct times around them.
    const res = await send(h, key, {
      to: { users: ['r'] },
      type: 'x',
      title: 'tie',
      createdAt: TIE,
    })
    assert.equal(res.status, 201)
    for (let i = 1; i < 25; i++) {
      await send(h, key, { to: { users: ['r'] }, type: 'x', title: 'tie', createdAt: TIE })
    }
    for (let i = 0; i < 20; i++) {
      const at = new Date(Date.parse(TIE) + (i - 10) * 60_000).toISOString()
      await send(h, key, { to: { users: ['r'] }, type: 'x', title: `t${i}`, createdAt: at })
    }
    token = await h.token({ tenant, user: 'r' })
  })

  test('default page is 20, newest first; limit is capped at 100', async () => {
    const body = (await page('')).json() as PageOut
    assert.equal(body.items.length, 20)
    assert.ok(body.nextCursor)
    const times = body.items.map((n) => Date.parse(n.createdAt))
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    )
    assert.equal(((await page('limit=100')).json() as PageOut).items.length, 45)
    assert.equal((await page('limit=101')).statusCode, 400)
    assert.equal((await page('limit=0')).statusCode, 400)
  })

  for (const sort of ['-createdAt', 'createdAt']) {
    test(`pages never overlap or skip under ties (sort=${sort})`, async () => {
      for (const limit of [1, 7, 20]) {
        const all = await walk(`sort=${sort}&limit=${limit}`)
        const ids = all.map((n) => n.id)
        assert.equal(new Set(ids).size, 45, `limit ${limit}: no duplicates, none missing`)
        const dir = sort === 'createdAt' ? 1 : -1
        for (let i = 1; i < all.length; i++) {
          const a = all[i - 1] as Item
          const b = all[i] as Item
          const byTime = Math.sign(Date.parse(b.createdAt) - Date.parse(a.createdAt))
          assert.ok(byTime === dir || (byTime === 0 && Math.sign(b.id - a.id) === dir))
        }
      }
    })
  }

  test('a tampered or foreign cursor is a 400 in the native shape', async () => {
    const bad = [
      'not-a-cursor',
      Buffer.from('{"a":"yesterday","i":1}').toString('base64url'),
      Buffer.from('{"a":"2024-01-01T00:00:00Z","i":"x"}').toString('base64url'),
      Buffer.from('{"a":"2024-01-01T00:00:00Z","i":1e300}').toString('base64url'),
      Buffer.from('[]').toString('base64url'),
      Buffer.from('{"a":"-271821-04-20T00:00:00Z","i":1}').toString('base64url'),
      'x'.repeat(600),
    ]
    for (const cursor of bad) {
      const res = await page(`cursor=${cursor}`)
      assert.equal(res.statusCode, 400, `${cursor}: ${res.body}`)
      const e = res.json().error
      assert.equal(e.code, 'VALIDATION')
      assert.match(e.message, /cursor/)
      assert.equal(typeof e.requestId, 'string')
    }
  })

  test('filter validation names the field', async () => {
    const cases: Array<[string, RegExp]> = [
      ['read=maybe', /read/],
      ['dismissed=sometimes', /dismissed/],
      ['snoozed=yes', /snoozed/],
      ['createdAfter=yesterday', /createdAfter/],
      ['data=not-json', /data/],
      ['data=%5B1%5D', /data/],
      [`data=${encodeURIComponent('{"a":{"b":1}}')}`, /data\.a/],
      ['colour=red', /colour/],
      ['sort=title', /sort/],
      ['actorUsername=', /actorUsername/],
    ]
    for (const [query, field] of cases) {
      const res = await page(query)
      assert.equal(res.statusCode, 400, `${query}: ${res.body}`)
      const e = res.json().error
      assert.equal(e.code, 'VALIDATION')
      assert.match(`${e.details?.field} ${e.message}`, field)
    }
  })
})
