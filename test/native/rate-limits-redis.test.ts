import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import type { InjectOptions } from 'fastify'
import { startHerald, type TestHerald } from '../support/harness.ts'
import { redisForSuite } from '../support/redis.ts'

const REDIS_URL = process.env.HERALD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const LIMIT = 4

describe('rate limits shared by two instances through Redis', async () => {
  if (!(await redisForSuite(REDIS_URL))) return
  // A prefix of its own, so parallel runs and other deployments never share these counts.
  const env = {
    REDIS_URL,
    HERALD_REDIS_PREFIX: `herald-test-${randomBytes(6).toString('hex')}:`,
    HERALD_RATE_LIMIT: String(LIMIT),
    HERALD_RATE_LIMIT_ADDRESS: String(LIMIT),
  }
  let a: TestHerald
  let b: TestHerald
  before(async () => {
    a = await startHerald('pglite', env)
    b = await startHerald('pglite', env)
  })
  after(async () => {
    await a?.close()
    await b?.close()
  })
  const get = (h: TestHerald, token: string, remoteAddress: string) =>
    h.app.inject({
      method: 'GET',
      url: '/v1/me/checkpoint',
      headers: { authorization: `Bearer ${token}` },
      remoteAddress,
    } as InjectOptions)

  test("one principal's requests count once across both instances", async () => {
    const token = await a.token({ tenant: a.tenant(), user: 'shared' })
    const statuses: number[] = []
    for (let i = 0; i < LIMIT; i++) {
      statuses.push((await get(i % 2 ? b : a, token, '127.0.0.2')).statusCode)
    }
    assert.deepEqual(statuses, Array(LIMIT).fill(200))
    assert.equal((await get(a, token, '127.0.0.2')).statusCode, 429)
    assert.equal((await get(b, token, '127.0.0.2')).statusCode, 429)
  })

  test("one address's failed authentications count once across both instances", async () => {
    for (let i = 0; i < LIMIT; i++) {
      assert.equal((await get(i % 2 ? b : a, `bad.${i}.token`, '127.0.0.3')).statusCode, 401)
    }
    const res = await get(b, 'bad.last.token', '127.0.0.3')
    assert.equal(res.statusCode, 429)
    assert.equal(res.json().error.code, 'RATE_LIMITED')
  })
})
