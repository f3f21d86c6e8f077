import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createHeraldClient, HeraldApiError } from '@herald/client'
import { clientWorld, recorder } from '../support/client.ts'
import { describeEngines } from '../support/harness.ts'

describeEngines('@herald/client: a user in several tenants', (get) => {
  const world = clientWorld(get)

  test('the tenant option lists, counts and follows that tenant; another is 403', async () => {
    const h = get()
    const a = await world.tenant('u')
    const b = await world.tenant('u')
    const token = await h.token({ tenant: a.tenant, tenants: [b.tenant], user: 'u' })
    const client = (tenant?: string) =>
      createHeraldClient({ baseUrl: world.url(), token, ...(tenant ? { tenant } : {}) })
    await a.server.send({ to: { users: ['u'] }, type: 'comment', title: 'in a' })
    await b.server.send({ to: { users: ['u'] }, type: 'comment', title: 'in b' })
    const titles = async (tenant?: string) =>
      (await client(tenant).notifications.list()).items.map((n) => n.title)
    assert.deepEqual(await titles(), ['in a'])
    assert.deepEqual(await titles(b.tenant), ['in b'])
    const c = await world.tenant('u')
    await assert.rejects(client(c.tenant).notifications.list(), (err: unknown) => {
      assert.ok(err instanceof HeraldApiError)
      assert.equal(err.status, 403)
      return true
    })
    // The subscription acts in the same tenant as the rest of the client.
    const seen = recorder()
    const sub = client(b.tenant).subscribe(seen.handlers)
    try {
      const counts = (await seen.next('counts')) as { unread: number }
      assert.equal(counts.unread, 1)
      await a.server.send({ to: { users: ['u'] }, type: 'comment', title: 'a again' })
      await b.server.send({ to: { users: ['u'] }, type: 'comment', title: 'b again' })
      // The first notification it hears of is b's: a's was sent first, to another stream.
      const n = (await seen.next('notification')) as { title: string }
      assert.equal(n.title, 'b again')
    } finally {
      sub.close()
    }
  })
})
