import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sendOne, skipWithoutPostgres, startHerald, type TestHerald } from '../support/harness.ts'
import { type Receiver, startReceiver } from '../support/webhook-receiver.ts'

const ENV = {
  HERALD_WEBHOOK_ALLOW_PRIVATE: 'true',
  HERALD_WEBHOOK_POLL_MS: '20',
  HERALD_WEBHOOK_CONCURRENCY: '8',
}
const SENDS = 40

describe('webhooks: two instances on one PostgreSQL', { skip: skipWithoutPostgres }, () => {
  let a: TestHerald
  let b: TestHerald
  let rx: Receiver
  before(async () => {
    a = await startHerald('postgres', ENV)
    b = await startHerald('postgres', ENV, a)
    rx = await startReceiver()
  })
  after(async () => {
    await b?.close()
    await a?.close()
    await rx?.close()
  })

  test('each delivery is attempted by one instance only (claims skip locked rows)', async () => {
    const t = a.tenant()
    const key = await a.apiKey(t)
    const res = await a.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: { authorization: `Bearer ${key}` },
      payload: { url: rx.url('/multi'), events: ['send.completed'] },
    })
    assert.equal(res.statusCode, 201)
    // Due before either worker runs, so both start claiming from the same backlog at once.
    for (let i = 0; i < SENDS; i++) await sendOne(a, key, `u${i}`, { type: 'x', title: `${i}` })
    await a.webhooks.outbox.flush()
    const byInstance = { a: 0, b: 0 }
    a.webhooks.worker.onSettled(() => byInstance.a++)
    b.webhooks.worker.onSettled(() => byInstance.b++)
    a.webhooks.worker.start()
    b.webhooks.worker.start()
    const got = await rx.waitFor((r) => r.path === '/multi', SENDS)
    await Promise.all([a.webhooks.worker.stop(), b.webhooks.worker.stop()])
    assert.equal(rx.received.filter((r) => r.path === '/multi').length, SENDS)
    assert.equal(new Set(got.map((r) => r.id)).size, SENDS, 'no webhook-id twice')
    assert.equal(byInstance.a + byInstance.b, SENDS, 'one attempt per delivery')
    assert.ok(byInstance.a > 0 && byInstance.b > 0, JSON.stringify(byInstance))
  })
})
