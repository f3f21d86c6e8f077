import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { goOnWithPostgres, send, startHerald, type TestHerald } from '../support/harness.ts'
import { freePort, onRedis, privateRedis, twoInstances } from '../support/redis.ts'

const COUNTS = '/v1/me/counts?cap=99'

const poll = (h: TestHerald, token: string, etag?: string) =>
  h.app.inject({
    url: COUNTS,
    headers: { authorization: `Bearer ${token}`, ...(etag ? { 'if-none-match': etag } : {}) },
  })

/** Resolves once `h` has the next event of `user` (or tenant-wide: `*`) in the shared order. */
const ordered = (h: TestHerald, user: string) =>
  new Promise<void>((resolve) => {
    const stop = h.core.events.onEvent((e, stage) => {
      if (e.userId !== user || stage !== 'ordered') return
      stop()
      resolve()
    })
  })

/** Resolves once the bus of `h` is (or is no longer) listening; the bus says so within ms. */
async function listening(h: TestHerald, want: boolean) {
  for (let i = 0; i < 400 && h.core.events.live() !== want; i++) {
    await new Promise((r) => setTimeout(r, 25))
  }
  assert.equal(h.core.events.live(), want, `bus listening: ${want}`)
}

async function tagOf(h: TestHerald, token: string): Promise<string> {
  const res = await poll(h, token)
  assert.equal(res.statusCode, 200, res.body)
  return res.headers.etag as string
}

// Two instances share one store only on PostgreSQL (an embedded PGlite store is one process's).
describe('conditional polling across two instances sharing PostgreSQL and Redis', async () => {
  if (!goOnWithPostgres()) return
  const port = await freePort()
  const redis = privateRedis(port)
  const env = onRedis(`redis://127.0.0.1:${port}`)
  const pair = twoInstances(env, redis)
  before(() => Promise.all([listening(pair.a, true), listening(pair.b, true)]))

  test('both agree on the tag, and each sees a change made on the other', async () => {
    const { a, b } = pair
    const tenant = a.tenant()
    const key = await a.apiKey(tenant)
    const ann = await a.token({ tenant, user: 'ann' })
    const seen = [ordered(a, 'ann'), ordered(b, 'ann')]
    await send(a, key, { to: { users: ['ann'] }, type: 'x', title: 'one' })
    await Promise.all(seen)
    const tag = await tagOf(a, ann)
    assert.equal(await tagOf(b, ann), tag, 'the same tag on both instances')
    assert.equal((await poll(b, ann, tag)).statusCode, 304)

    // A change on b: a hears of it, and the tag moves on both, to the same new one.
    const id = await firstId(b, ann)
    const moved = [ordered(a, 'ann'), ordered(b, 'ann')]
    const read = await b.app.inject({
      method: 'POST',
      url: `/v1/me/notifications/${id}/read`,
      headers: { authorization: `Bearer ${ann}` },
    })
    assert.equal(read.statusCode, 200, read.body)
    await Promise.all(moved)
    const res = await poll(a, ann, tag)
    assert.equal(res.statusCode, 200, 'a sees the change made on b')
    assert.equal(res.json().counts.unread, 0)
    const next = res.headers.etag as string
    assert.notEqual(next, tag)
    assert.equal(await tagOf(b, ann), next)
    assert.equal((await poll(a, ann, next)).statusCode, 304)

    // A tenant-wide send moves ann on both instances, to the same tag again.
    const wide = [ordered(a, '*'), ordered(b, '*')]
    const many = Array.from({ length: 101 }, (_, i) => `u${i}`)
    await send(b, key, { to: { users: many }, type: 'x', title: 'everyone' })
    await Promise.all(wide)
    const third = await tagOf(a, ann)
    assert.notEqual(third, next)
    assert.equal(await tagOf(b, ann), third)
  })

  test('an instance that started after the last change does not vouch for it', async () => {
    const { a } = pair
    const tenant = a.tenant()
    const key = await a.apiKey(tenant)
    const bo = await a.token({ tenant, user: 'bo' })
    const seen = ordered(a, 'bo')
    await send(a, key, { to: { users: ['bo'] }, type: 'x', title: 'one' })
    await seen
    const tag = await tagOf(a, bo)
    const c = await startHerald('postgres', env, a)
    try {
      await listening(c, true)
      assert.equal((await poll(c, bo, tag)).statusCode, 200, 'c knows nothing of bo yet')
      const all = [ordered(a, 'bo'), ordered(c, 'bo')]
      await send(c, key, { to: { users: ['bo'] }, type: 'x', title: 'two' })
      await Promise.all(all)
      const now = await tagOf(c, bo)
      assert.equal(await tagOf(a, bo), now, 'after an event both know, they agree')
    } finally {
      await c.close()
    }
  })

  test('while Redis is down no 304 is answered; once it is back, every earlier tag is stale', async () => {
    const { a, b } = pair
    const tenant = a.tenant()
    const key = await a.apiKey(tenant)
    const cy = await a.token({ tenant, user: 'cy' })
    const seen = [ordered(a, 'cy'), ordered(b, 'cy')]
    await send(a, key, { to: { users: ['cy'] }, type: 'x', title: 'one' })
    await Promise.all(seen)
    const tag = await tagOf(a, cy)
    assert.equal((await poll(b, cy, tag)).statusCode, 304)
    await redis.stop()
    await Promise.all([listening(a, false), listening(b, false)])
    assert.equal((await poll(a, cy, tag)).statusCode, 200, 'a cannot vouch while deaf')
    assert.equal((await poll(b, cy, tag)).statusCode, 200, 'b cannot vouch while deaf')
    await redis.start()
    await Promise.all([listening(a, true), listening(b, true)])
    for (const h of [a, b]) {
      const res = await poll(h, cy, tag)
      assert.equal(res.statusCode, 200, 'the gap made the earlier tag stale')
      assert.equal((await poll(h, cy, res.headers.etag as string)).statusCode, 304)
    }
  })
})

async function firstId(h: TestHerald, token: string): Promise<number> {
  const res = await h.app.inject({
    url: '/v1/me/notifications?limit=1',
    headers: { authorization: `Bearer ${token}` },
  })
  return res.json().items[0].id
}
