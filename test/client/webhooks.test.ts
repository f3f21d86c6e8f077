import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { HeraldApiError, verifyWebhook } from '@herald/client'
import { clientWorld } from '../support/client.ts'
import { describeEngines } from '../support/harness.ts'
import { type Receiver, startReceiver } from '../support/webhook-receiver.ts'

describeEngines(
  '@herald/client: webhooks',
  (get) => {
    const world = clientWorld(get)
    let rx: Receiver
    before(async () => {
      rx = await startReceiver()
      get().webhooks.worker.start()
    })
    after(() => rx.close())

    test('create, list, update, deliveries, delete; verifyWebhook accepts what Herald signed', async () => {
      const { server, tenant } = await world.tenant()
      const path = `/${tenant}`
      const made = await server.webhooks.create({ url: rx.url(path), events: ['send.completed'] })
      assert.match(made.secret, /^whsec_/)
      assert.deepEqual(
        (await server.webhooks.list()).items.map((e) => e.id),
        [made.id],
      )
      const changed = await server.webhooks.update(made.id, { description: 'ci' })
      assert.equal(changed.description, 'ci')
      await server.send({ to: { users: ['alice'] }, type: 'build', title: 'Green' })
      const [r] = await rx.waitFor((x) => x.path === path)
      assert.ok(r)
      const headers = {
        'webhook-id': r.id,
        'webhook-timestamp': r.timestamp,
        'webhook-signature': r.signature,
      }
      assert.equal(await verifyWebhook(made.secret, headers, r.body), true)
      assert.equal(await verifyWebhook(made.secret, headers, `${r.body} `), false, 'tampered')
      const other = `whsec_${Buffer.alloc(24, 7).toString('base64')}`
      assert.equal(await verifyWebhook(other, headers, r.body), false, 'another secret')
      const late = { now: (Number(r.timestamp) + 3600) * 1000 }
      assert.equal(await verifyWebhook(made.secret, headers, r.body, late), false, 'too old')
      const page = await server.webhooks.deliveries(made.id, { limit: 10 })
      assert.equal(page.items[0]?.id, r.id)
      assert.equal(page.next, null)
      assert.equal(await server.webhooks.delete(made.id), undefined)
      await assert.rejects(
        server.webhooks.get(made.id),
        (err: unknown) => err instanceof HeraldApiError && err.status === 404,
      )
    })
  },
  { env: { HERALD_WEBHOOK_ALLOW_PRIVATE: 'true', HERALD_WEBHOOK_POLL_MS: '50' } },
)
