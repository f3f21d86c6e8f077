import assert from 'node:assert/strict'
import { test } from 'node:test'
import { mintToken } from '../../src/auth/tokens.ts'
import { describeEngines, SECRET, type TestHerald } from '../support/harness.ts'

const PER_USER = 3
const PER_PRODUCER = 8

const get = (h: TestHerald, url: string, credential: string) =>
  h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${credential}` } })

/** How many of `n` calls got through before the first 429 (every later one must be a 429 too). */
async function admitted(n: number, call: () => ReturnType<typeof get>): Promise<number> {
  const codes: number[] = []
  for (let i = 0; i < n; i++) codes.push((await call()).statusCode)
  const ok = codes.filter((c) => c === 200).length
  assert.deepEqual(codes.slice(ok), Array(n - ok).fill(429), `codes: ${codes.join(',')}`)
  return ok
}

describeEngines(
  'producer and user rate limits',
  (getHerald) => {
    test('an API key gets the producer limit, a user the user limit, counted apart', async () => {
      const h = getHerald()
      const tenant = h.tenant()
      const key = await h.apiKey(tenant)
      const user = await h.token({ tenant, user: 'alice' })
      assert.equal(await admitted(PER_USER + 2, () => get(h, '/v1/me/counts', user)), PER_USER)
      // The user's exhausted budget takes nothing from the producer of the same tenant.
      const n = PER_PRODUCER + 2
      assert.equal(await admitted(n, () => get(h, '/v1/users', key)), PER_PRODUCER)
      // And the exhausted producer does not limit another user of the tenant.
      const bob = await h.token({ tenant, user: 'bob' })
      assert.equal((await get(h, '/v1/me/counts', bob)).statusCode, 200)
    })

    test("an operator token (the CLI's credential) counts as a producer", async () => {
      const h = getHerald()
      const tenant = h.tenant()
      const operator = await mintToken(SECRET, { tenant, user: 'herald-cli', operator: true })
      const n = PER_PRODUCER + 1
      assert.equal(await admitted(n, () => get(h, '/v1/users', operator)), PER_PRODUCER)
    })
  },
  {
    env: {
      HERALD_RATE_LIMIT: String(PER_USER),
      HERALD_RATE_LIMIT_PRODUCER: String(PER_PRODUCER),
    },
  },
)
