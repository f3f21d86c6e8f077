import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines, send } from '../support/harness.ts'
import { world } from '../support/world.ts'

describeEngines(
  'native request bounds',
  (get) => {
    test('named counts without a cap stop at HERALD_COUNT_CAP and say so', async () => {
      const h = get()
      const { key, tokens } = await world(h, { users: ['r'] })
      for (let i = 0; i < 3; i++)
        await send(h, key, { to: { users: ['r'] }, type: 't', title: 't' })
      const post = (payload: object) =>
        h.app.inject({
          method: 'POST',
          url: '/v1/me/counts',
          headers: { authorization: `Bearer ${tokens.r}` },
          payload,
        })
      const filters = Object.fromEntries(
        Array.from({ length: 20 }, (_, i) => [`f${i}`, { read: false }]),
      )
      const res = await post({ filters })
      assert.equal(res.statusCode, 200, res.body)
      const body = res.json()
      assert.equal(body.counts.f0, 2)
      assert.equal(body.capped.f19, true)
      // A cap of the caller's own still wins, above the server's too.
      assert.deepEqual((await post({ filters: { all: {} }, cap: 10 })).json(), {
        counts: { all: 3 },
        capped: { all: false },
      })
    })
  },
  { env: { HERALD_COUNT_CAP: '2' } },
)
