import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from 'kysely'
import { goOnWithPostgres, send, type TestHerald } from '../support/harness.ts'
import { onRedis, redisForSuite, twoInstances } from '../support/redis.ts'

const REDIS_URL = process.env.HERALD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

const list = async (h: TestHerald, tenant: string, user: string) => {
  const token = await h.token({ tenant, user })
  const res = await h.app.inject({
    url: '/v1/me/notifications',
    headers: { authorization: `Bearer ${token}` },
  })
  assert.equal(res.statusCode, 200, res.body)
  return (res.json().items as Array<{ title: string }>).map((n) => n.title)
}

/** Resolves when `h` hears a broadcast of the tenant on its bus. */
const heard = (h: TestHerald, tenant: string) =>
  new Promise<void>((resolve) => {
    const off = h.core.events.subscribe(tenant, '*', (e) => {
      if (e.broadcast === undefined) return
      off()
      resolve()
    })
  })

// Two instances share one store only on PostgreSQL.
describe('broadcasts across two instances sharing PostgreSQL and Redis', async () => {
  if (!goOnWithPostgres()) return
  if (!(await redisForSuite(REDIS_URL))) return
  // The latest broadcast is trusted for a minute: instance b can only learn of it from the bus.
  const pair = twoInstances(
    onRedis(REDIS_URL, { HERALD_BROADCAST_MIN: '3', HERALD_BROADCAST_RECHECK_MS: '60000' }),
  )

  test('a broadcast sent on one instance is read on the other; racing reads copy it once', async () => {
    const { a, b } = pair
    const tenant = a.tenant()
    const key = await a.apiKey(tenant)
    const users = ['u1', 'u2', 'u3']
    for (const id of users) {
      const res = await a.app.inject({
        method: 'PUT',
        url: `/v1/users/${id}`,
        headers: { authorization: `Bearer ${key}` },
        payload: {},
      })
      assert.equal(res.statusCode, 200)
    }
    // b has read this tenant before the broadcast: it knows "no broadcasts yet".
    assert.deepEqual(await list(b, tenant, 'u1'), [])
    const told = heard(b, tenant)
    const res = await send(a, key, { to: { tenant: true }, type: 'news', title: 'Everyone' })
    assert.equal(res.json.broadcast, true)
    await told
    // Ten reads of the same user on both instances at once.
    const reads = await Promise.all(
      Array.from({ length: 10 }, (_, i) => list(i % 2 === 0 ? a : b, tenant, 'u2')),
    )
    for (const titles of reads) assert.deepEqual(titles, ['Everyone'])
    assert.deepEqual(await list(b, tenant, 'u1'), ['Everyone'])
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM notifications
      WHERE tenant_id = ${tenant} AND message_id = ${Number(res.json.messageId)}`.execute(
      a.storage.db,
    )
    assert.equal(Number(rows[0]?.n), 2)
  })
})
