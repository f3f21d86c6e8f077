import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines, send } from '../support/harness.ts'

describeEngines('values the database refuses are 4xx, never 500', (get) => {
  test('a NUL byte or an out-of-range value in any filter is a 400 in the native shape', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    await send(h, key, { to: { users: ['ann'] }, type: 'comment', title: 'x' })
    const auth = { authorization: `Bearer ${await h.token({ tenant: t, user: 'ann' })}` }
    const queries = [
      'actorUsername=a%00',
      'type=a%00b',
      'projectId=p%00',
      'data=%7B%22k%22%3A%22%5Cu0000%22%7D',
      'createdAfter=99999-01-01T00:00:00Z',
    ]
    for (const q of queries) {
      const res = await h.app.inject({ url: `/v1/me/notifications?${q}`, headers: auth })
      assert.equal(res.statusCode, 400, `${q}: ${res.body}`)
      assert.equal(res.json().error.code, 'VALIDATION', q)
      // The database's own text (its encoding, its escape rules, the value) never reaches a client.
      assert.doesNotMatch(res.body, /UTF8|0x00|escape sequence/, q)
    }
    const ok = await h.app.inject({ url: '/v1/me/notifications', headers: auth })
    assert.equal(ok.json().items.length, 1)
  })

  test('a NUL byte in an API key name is a 400 without database text; a clean name still works', async () => {
    const h = get()
    const key = await h.apiKey(h.tenant())
    const make = (name: string) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: { authorization: `Bearer ${key}` },
        payload: { name },
      })
    const res = await make('build\u0000bot')
    assert.equal(res.statusCode, 400, res.body)
    assert.equal(res.json().error.code, 'VALIDATION')
    assert.doesNotMatch(res.body, /UTF8|0x00/)
    assert.equal((await make('build bot')).statusCode, 201)
  })
})
