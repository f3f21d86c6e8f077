import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { startHerald, type TestHerald } from '../support/harness.ts'

const tmHeader = (jwt: string) => ({
  authorization: `Token ${Buffer.from(jwt).toString('base64')}`,
})

describe('mounting dialects (PGlite)', () => {
  const open: TestHerald[] = []
  after(async () => {
    for (const h of open) await h.close()
  })

  test('two dialects whose routes collide at one prefix refuse to start, naming both', async () => {
    await assert.rejects(
      startHerald('pglite', {
        HERALD_DIALECTS: 'tasking-manager,productive',
        HERALD_PREFIX_TASKING_MANAGER: '',
        HERALD_PREFIX_PRODUCTIVE: '',
      }),
      /dialects "tasking-manager" and "productive" both serve GET \/api\/v2\/notifications/,
    )
  })

  test('dialects whose routes do not collide may share a prefix', async () => {
    const h = await startHerald('pglite', {
      HERALD_DIALECTS: 'ondi,kendo',
      HERALD_PREFIX_ONDI: '/shared',
      HERALD_PREFIX_KENDO: '/shared',
    })
    open.push(h)
    const t = h.tenant()
    const jwt = await h.token({ tenant: t, user: 'u1' })
    const kendo = await h.app.inject({
      url: '/shared/api/notifications',
      headers: { authorization: `Bearer ${jwt}` },
    })
    assert.equal(kendo.statusCode, 200)
    assert.deepEqual(kendo.json(), [])
    const ondi = await h.app.inject({ url: '/shared/messaging/notifications' })
    assert.deepEqual(ondi.json(), { success: false, message: 'Unauthorized' })
  })

  test('one dialect at the root, the native API beside it, and only the enabled dialects', async () => {
    const h = await startHerald('pglite', {
      HERALD_DIALECTS: 'tasking-manager,ondi',
      HERALD_PREFIX_TASKING_MANAGER: '',
    })
    open.push(h)
    const t = h.tenant()
    const key = await h.apiKey(t)
    const jwt = await h.token({ tenant: t, user: '7' })
    const sent = await h.app.inject({
      method: 'POST',
      url: '/v1/notifications',
      headers: { authorization: `Bearer ${key}` },
      payload: { to: { users: ['7'] }, type: 'system', title: 'At the root' },
    })
    assert.equal(sent.statusCode, 201)
    const list = await h.app.inject({ url: '/api/v2/notifications/', headers: tmHeader(jwt) })
    assert.equal(list.statusCode, 200)
    assert.equal(list.json().userMessages[0].subject, 'At the root')
    // Unknown paths now answer in the root dialect's shape; /v1 keeps the native one.
    assert.deepEqual((await h.app.inject({ url: '/nowhere' })).json(), { detail: 'Not Found' })
    const native = await h.app.inject({ url: '/v1/nowhere' })
    assert.equal(native.statusCode, 404)
    // Kendo is not enabled, so its path is just an unknown one.
    const kendo = await h.app.inject({ url: '/compat/kendo/api/notifications' })
    assert.deepEqual(kendo.json(), { detail: 'Not Found' })
    const ondi = await h.app.inject({ url: `/compat/ondi/messaging/notifications?tenant_id=${t}` })
    assert.equal(ondi.statusCode, 401)
    assert.deepEqual(ondi.json(), { success: false, message: 'Unauthorized' })
  })
})
