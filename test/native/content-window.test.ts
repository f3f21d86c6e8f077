import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'

// HERALD_CONTENT_FILTER_WINDOW (issue 9): a filter on a message's content looks at the newest N
// notifications of the inbox only, so one request costs the same on any inbox; filters on the
// notification's own columns still see all of it.

const day = (d: number) => new Date(Date.UTC(2024, 0, d)).toISOString()
/** Oldest first: with a window of 3, the filters on the actor see a2, b2 and a3. */
const SEEDS = [
  { title: 'a1', actor: { id: 'a', username: 'Alice' }, createdAt: day(1) },
  { title: 'b1', actor: { id: 'b', username: 'Bob' }, createdAt: day(2) },
  { title: 'a2', actor: { id: 'a', username: 'Alice' }, createdAt: day(3) },
  { title: 'b2', actor: { id: 'b', username: 'Bob' }, createdAt: day(4) },
  { title: 'a3', actor: { id: 'a', username: 'Alice' }, createdAt: day(5) },
]

function suite(window: string, expected: { alice: string[]; bob: number; tmAlice: number }) {
  describeEngines(
    `content filters with HERALD_CONTENT_FILTER_WINDOW=${window}`,
    (get) => {
      let token = ''
      let tenant = ''
      const asUser = (url: string, init: { method?: 'GET' | 'POST'; payload?: object } = {}) =>
        get().app.inject({ url, headers: { authorization: `Bearer ${token}` }, ...init })

      before(async () => {
        const h: TestHerald = get()
        tenant = h.tenant()
        const key = await h.apiKey(tenant)
        for (const s of SEEDS) {
          const res = await send(h, key, { to: { users: ['w'] }, type: 'comment', ...s })
          assert.equal(res.status, 201, JSON.stringify(res.json))
        }
        token = await h.token({ tenant, user: 'w' })
      })

      test('a list by actor sees the window; a list by type sees the whole inbox', async () => {
        const byActor = await asUser('/v1/me/notifications?actorUsername=ali&limit=100')
        assert.equal(byActor.statusCode, 200, byActor.body)
        assert.deepEqual(
          byActor.json().items.map((n: { title: string }) => n.title),
          expected.alice,
        )
        const byType = await asUser('/v1/me/notifications?type=comment&limit=100')
        assert.equal(byType.statusCode, 200, byType.body)
        assert.equal(byType.json().items.length, SEEDS.length)
      })

      test('counts: a content filter counts within the window, the others over all', async () => {
        const res = await asUser('/v1/me/counts', {
          method: 'POST',
          payload: {
            filters: { bob: { actorId: 'b' }, all: {}, comments: { types: ['comment'] } },
          },
        })
        assert.equal(res.statusCode, 200, res.body)
        assert.deepEqual(res.json().counts, {
          bob: expected.bob,
          all: SEEDS.length,
          comments: SEEDS.length,
        })
      })

      test("Tasking Manager's from filter and its total see the window", async () => {
        const res = await get().app.inject({
          url: '/compat/tasking-manager/api/v2/notifications/?from=Ali',
          headers: { authorization: `Token ${Buffer.from(token).toString('base64')}` },
        })
        assert.equal(res.statusCode, 200, res.body)
        assert.equal(res.json().pagination.total, expected.tmAlice)
      })
    },
    { env: { HERALD_CONTENT_FILTER_WINDOW: window } },
  )
}

suite('3', { alice: ['a3', 'a2'], bob: 1, tmAlice: 2 })
suite('0', { alice: ['a3', 'a2', 'a1'], bob: 2, tmAlice: 3 })
