import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines, send } from '../support/harness.ts'

describeEngines('native inbox smoke', (get) => {
  test('send, list, read, count', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    const sent = await send(h, key, {
      to: { users: ['alice', 'bob'] },
      type: 'comment',
      title: 'Hello',
    })
    assert.equal(sent.status, 201, JSON.stringify(sent.json))
    const token = await h.token({ tenant: t, user: 'alice' })
    const list = await h.app.inject({
      url: '/v1/me/notifications',
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(list.statusCode, 200, list.body)
    const items = list.json().items
    assert.equal(items.length, 1)
    assert.equal(items[0].title, 'Hello')
  })
})
