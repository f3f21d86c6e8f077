import assert from 'node:assert/strict'
import { test } from 'node:test'
import { envOf, renderPair, runPair } from '../../bench/pair.ts'

test('a setting spelled as the shell spells it becomes an environment, values with spaces kept', () => {
  assert.deepEqual(envOf(''), {})
  assert.deepEqual(envOf(' HERALD_PGLITE_OPTIMIZE=on  NODE_OPTIONS=--import ./x.mjs --trace-gc '), {
    HERALD_PGLITE_OPTIMIZE: 'on',
    NODE_OPTIONS: '--import ./x.mjs --trace-gc',
  })
})

// Two `herald serve` processes on copies of one tiny store, each with its own environment: the
// run measures both, round by round, and says which setting each side ran.
test('bench: a pair runs both sides on copies of one store and reports each', async () => {
  const r = await runPair(
    {
      a: {},
      b: { HERALD_PGLITE_SHARED_BUFFERS_MB: '8' },
      endpoints: ['unreadCount', 'firstPage'],
      rounds: 2,
      seconds: 1,
      size: 'tiny',
    },
    () => {},
  )
  for (const side of [r.a, r.b]) {
    for (const e of ['unreadCount', 'firstPage']) {
      assert.equal(side.rps[e]?.length, 2, `${e}: one figure a round`)
      for (const x of side.rps[e] ?? []) assert.ok(x > 0, `${e}: ${x} req/s`)
    }
    assert.ok(side.rssMb > 50, `RSS ${side.rssMb} MB`)
  }
  const text = renderPair(r)
  assert.match(text, /^A: \(defaults\)$/m)
  assert.match(text, /^B: HERALD_PGLITE_SHARED_BUFFERS_MB=8$/m)
  assert.match(text, /^firstPage\s+\d+\s+\d+\s+\d+\.\d\d/m)
})
