import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines } from '../support/harness.ts'

// Route schemas compile at their first use (src/http/lazy-schemas.ts): a schema that fails to
// compile would surface only when its route is first called, so every one is compiled here.
describeEngines('route schemas compiled at first use', (get) => {
  test('a validation error on a route never called before is answered in the surface shape', async () => {
    const h = get()
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/me/notifications/bulk',
      headers: { authorization: `Bearer ${await h.token({ tenant: h.tenant(), user: 'alice' })}` },
      payload: { action: 'nonsense', ids: [] },
    })
    assert.equal(res.statusCode, 400, res.body)
    assert.equal(res.json().error.code, 'VALIDATION')
  })

  test('once the server listens, what is left compiles in the background', async () => {
    const h = get()
    const before = h.app.routeSchemas.pending()
    assert.ok(before > 100, `only ${before} schemas were left to compile`)
    await h.app.listen({ port: 0, host: '127.0.0.1' })
    const deadline = Date.now() + 60_000
    while (h.app.routeSchemas.pending() > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50))
    }
    assert.equal(h.app.routeSchemas.pending(), 0)
  })
})

describeEngines('route schemas compiled before the listen', (get) => {
  // What buildHerald does for a server (background: true) while its store is still starting.
  test('warmUp compiles what is left without a listen, once however often it is called', async () => {
    const h = get()
    assert.ok(h.app.routeSchemas.pending() > 100)
    h.app.routeSchemas.warmUp()
    h.app.routeSchemas.warmUp()
    const deadline = Date.now() + 60_000
    while (h.app.routeSchemas.pending() > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50))
    }
    assert.equal(h.app.routeSchemas.pending(), 0)
    assert.equal(h.app.routeSchemas.compileAll(), 0)
  })
})

describeEngines('route schemas compiled on demand', (get) => {
  test('every schema of every surface compiles', () => {
    const h = get()
    const first = h.app.routeSchemas.compileAll()
    // Six surfaces' validators and serializers: far more than a handful were left to compile.
    assert.ok(first > 100, `only ${first} schemas were left to compile`)
    assert.equal(h.app.routeSchemas.pending(), 0)
    assert.equal(h.app.routeSchemas.compileAll(), 0, 'a compiled schema was compiled again')
  })
})
