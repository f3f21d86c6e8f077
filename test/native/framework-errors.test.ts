import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines } from '../support/harness.ts'

/** What each surface's error bodies look like, to tell them from Fastify's default body. */
const SHAPES: Record<string, (b: Record<string, unknown>) => boolean> = {
  '/v1/me/notifications/%E0': (b) => typeof (b.error as { code?: unknown })?.code === 'string',
  '/compat/tasking-manager/api/v2/notifications/%E0/': (b) => 'detail' in b || 'Error' in b,
  '/compat/ondi/messaging/notifications/%E0': (b) => b.success === false,
  '/compat/mantle2/v2/users/%E0/notifications': (b) => typeof b.code === 'number' && 'message' in b,
  '/compat/productive/api/v2/notifications/%E0%A4%A': (b) => Array.isArray(b.errors),
  '/compat/kendo/api/%zz': (b) => typeof b.message === 'string' && !('statusCode' in b),
}

describeEngines('errors raised before routing', (get) => {
  test('a malformed percent-escape answers a 4xx in the shape of the surface it was meant for', async () => {
    const h = get()
    for (const [url, shaped] of Object.entries(SHAPES)) {
      const res = await h.app.inject({ url })
      // Each surface picks its own client-error status (Tasking Manager's validation is a 422).
      assert.ok([400, 422].includes(res.statusCode), `${url}: ${res.statusCode} ${res.body}`)
      const body = res.json()
      assert.ok(!('statusCode' in body), `${url} answered Fastify's default body: ${res.body}`)
      assert.ok(shaped(body), `${url}: ${res.body}`)
    }
  })
})
