import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { describeEngines } from '../support/harness.ts'

const LIMIT = 10

function assertShape(res: LightMyRequestResponse, status: number, code: string) {
  assert.equal(res.statusCode, status, res.body)
  assert.match(String(res.headers['content-type']), /application\/json/)
  const body = res.json() as { error: Record<string, unknown> }
  assert.deepEqual(Object.keys(body), ['error'])
  assert.equal(body.error.code, code)
  assert.equal(typeof body.error.message, 'string')
  assert.ok((body.error.message as string).length > 0)
  assert.equal(typeof body.error.requestId, 'string')
  for (const k of Object.keys(body.error)) {
    assert.ok(['code', 'message', 'requestId', 'details'].includes(k), `unexpected key ${k}`)
  }
  return body.error
}

describeEngines(
  'native errors: shape, body, limits',
  (get) => {
    let key = ''
    let user = ''
    before(async () => {
      const h = get()
      const t = h.tenant()
      key = await h.apiKey(t)
      user = await h.token({ tenant: t, user: 'r' })
    })

    const post = (url: string, payload: string, contentType = 'application/json') =>
      get().app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
        payload,
      })

    test('malformed JSON, wrong content type, prototype poisoning', async () => {
      assertShape(await post('/v1/notifications', '{"to":'), 400, 'VALIDATION')
      const xml = await post('/v1/notifications', '<to/>', 'application/xml')
      const e = assertShape(xml, 415, 'UNSUPPORTED_MEDIA_TYPE')
      assert.match(String(e.message), /content.type|media type/i)
      // Fastify reads text/plain as a string, which the body schema then refuses.
      assertShape(await post('/v1/notifications', 'to=a', 'text/plain'), 400, 'VALIDATION')
      const poisoned = '{"to":{"users":["a"]},"type":"x","title":"y","__proto__":{"admin":true}}'
      assertShape(await post('/v1/notifications', poisoned), 400, 'VALIDATION')
    })

    test('a body over HERALD_BODY_LIMIT is a 413', async () => {
      const big = JSON.stringify({
        to: { users: ['a'] },
        type: 'x',
        title: 'y',
        body: 'z'.repeat(4000),
      })
      assertShape(await post('/v1/notifications', big), 413, 'PAYLOAD_TOO_LARGE')
    })

    test('unknown routes and methods are 404 in the same shape', async () => {
      for (const [method, url] of [
        ['GET', '/v1/nothing'],
        ['GET', '/nothing'],
        ['PATCH', '/v1/me/checkpoint'],
        ['GET', '/v1/me/notifications/1/read'],
      ] as const) {
        const res = await get().app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${user}` },
        })
        assertShape(res, 404, 'NOT_FOUND')
      }
    })

    test('a validation error says which field and why', async () => {
      const res = await post(
        '/v1/notifications',
        JSON.stringify({ to: { users: ['a'] }, type: 'x' }),
      )
      const e = assertShape(res, 400, 'VALIDATION')
      assert.deepEqual(e.details, {
        field: 'body.title',
        reason: 'is required',
        errors: [{ field: 'body.title', reason: 'is required' }],
      })
      assert.match(String(e.message), /title/)
    })

    test('a validation error lists every failing field, and changes nothing', async () => {
      const res = await post(
        '/v1/notifications',
        JSON.stringify({ to: { users: ['r'] }, type: '', colour: 'red', important: 'yes' }),
      )
      const e = assertShape(res, 400, 'VALIDATION')
      const fields = (e.details as { errors: Array<{ field: string }> }).errors.map((f) => f.field)
      for (const f of ['body.title', 'body.type', 'body.colour', 'body.important']) {
        assert.ok(fields.includes(f), `${f} is listed in ${JSON.stringify(fields)}`)
        assert.match(String(e.message), new RegExp(f.replace('.', '\\.')))
      }
      const list = await get().app.inject({
        method: 'GET',
        url: '/v1/me/notifications',
        headers: { authorization: `Bearer ${user}` },
      })
      assert.deepEqual(list.json().items, [])
    })

    test('rate limit per credential: one past the limit is a 429, another credential still passes', async () => {
      const h = get()
      const t = h.tenant()
      const limited = { authorization: `Bearer ${await h.token({ tenant: t, user: 'busy' })}` }
      const statuses: number[] = []
      for (let i = 0; i <= LIMIT; i++) {
        const res = await h.app.inject({ url: '/v1/me/counts', headers: limited })
        statuses.push(res.statusCode)
        if (i === LIMIT) assertShape(res, 429, 'RATE_LIMITED')
      }
      assert.deepEqual(statuses, [...Array(LIMIT).fill(200), 429])
      const other = { authorization: `Bearer ${await h.token({ tenant: t, user: 'calm' })}` }
      assert.equal((await h.app.inject({ url: '/v1/me/counts', headers: other })).statusCode, 200)
    })
  },
  { env: { HERALD_BODY_LIMIT: '2048', HERALD_RATE_LIMIT: String(LIMIT) } },
)
