import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { KeyInvalidation } from '../../src/core/events.ts'
import { goOnWithPostgres, type TestHerald } from '../support/harness.ts'
import { onRedis, redisForSuite, twoInstances } from '../support/redis.ts'

const REDIS_URL = process.env.HERALD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const bearer = (key: string) => ({ authorization: `Bearer ${key}` })
const use = async (h: TestHerald, key: string) =>
  (await h.app.inject({ url: '/v1/users', headers: bearer(key) })).statusCode

/** Resolves when `h` hears the invalidation of `keyId` (its own authenticator heard it first). */
const heard = (h: TestHerald, keyId: string) =>
  new Promise<number>((resolve) => {
    const stop = h.core.events.onInvalidate((e: KeyInvalidation) => {
      if (e.keyId !== keyId) return
      stop()
      resolve(Date.now())
    })
  })

// Two instances share one store only on PostgreSQL: an embedded PGlite store belongs to one
// process, so there is no second instance to tell.
describe('API keys across two instances sharing PostgreSQL and Redis', async () => {
  if (!goOnWithPostgres()) return
  if (!(await redisForSuite(REDIS_URL))) return
  const pair = twoInstances(onRedis(REDIS_URL))

  test('a key revoked on one instance is refused by the other within a second', async () => {
    const { a, b } = pair
    const tenant = a.tenant()
    const admin = await a.apiKey(tenant)
    const { id, key } = await a.auth.createApiKey(tenant, 'leaked')
    assert.equal(await use(b, key), 200)
    assert.ok(b.auth.known(key), 'instance b remembers the key before the revocation')
    const told = heard(b, id)
    const start = Date.now()
    const res = await a.app.inject({
      method: 'DELETE',
      url: `/v1/api-keys/${id}`,
      headers: bearer(admin),
    })
    assert.equal(res.statusCode, 204, res.body)
    const at = await told
    assert.ok(at - start < 1000, `b heard of it after ${at - start} ms`)
    assert.equal(b.auth.known(key), null)
    assert.equal(await use(b, key), 401)
    assert.equal(await use(a, key), 401)
    assert.equal(await use(b, admin), 200)
  })

  test('a key rotated with no overlap on one instance is refused by the other', async () => {
    const { a, b } = pair
    const tenant = a.tenant()
    const { id, key } = await a.auth.createApiKey(tenant, 'backend')
    assert.equal(await use(b, key), 200)
    assert.ok(b.auth.known(key))
    const told = heard(b, id)
    const res = await a.app.inject({
      method: 'POST',
      url: `/v1/api-keys/${id}/rotate`,
      headers: bearer(key),
      payload: { overlapSeconds: 0 },
    })
    assert.equal(res.statusCode, 201, res.body)
    await told
    assert.equal(await use(b, key), 401)
    assert.equal(await use(b, res.json().key), 200)
  })
})
