import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { goOnWithPostgres, send } from '../support/harness.ts'
import { freePort, onRedis, privateRedis, twoInstances } from '../support/redis.ts'
import { reader, type SseEvent } from '../support/sse.ts'

const SENDS = 200

describe('two instances, Redis restarted during sends: the open stream gets every one, in order', async () => {
  if (!goOnWithPostgres()) return
  const port = await freePort()
  const redis = privateRedis(port)
  const c = new AbortController()
  after(() => c.abort())
  const pair = twoInstances(onRedis(`redis://127.0.0.1:${port}`), redis)

  test(`${SENDS} sends on one instance, Redis killed and restarted midway, stream on the other`, async (tc) => {
    const { a, b } = pair
    const t = a.tenant()
    const key = await a.apiKey(t)
    const base = await a.app.listen({ host: '127.0.0.1', port: 0 })
    const token = await a.token({ tenant: t, user: 'watcher' })
    const res = await fetch(`${base}/v1/me/stream?access_token=${token}`, { signal: c.signal })
    const next = reader(res)
    assert.equal((await next()).event, 'counts')
    const received: SseEvent[] = []
    const collecting = (async () => {
      while (received.length < SENDS) {
        const e = await next()
        if (e.event === 'notification.created') received.push(e)
      }
    })()
    const started = Date.now()
    for (let i = 0; i < SENDS; i++) {
      if (i === 50) await redis.stop()
      if (i === 120) await redis.start()
      const r = await send(b, key, { to: { users: ['watcher'] }, type: 'load', title: `n${i}` })
      assert.equal(r.status, 201, `send ${i} while Redis is ${i >= 50 && i < 120 ? 'down' : 'up'}`)
    }
    await Promise.race([
      collecting,
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error(`only ${received.length} of ${SENDS} arrived`)),
          30_000,
        ).unref(),
      ),
    ])
    const titles = received.map((e) => String(e.data.title))
    assert.deepEqual(
      titles,
      Array.from({ length: SENDS }, (_, i) => `n${i}`),
      'all, once, in order',
    )
    tc.diagnostic(
      `${received.length}/${SENDS} events received across the Redis restart in ${Date.now() - started} ms`,
    )
  })
})
