import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { badCredentials, refused } from '../support/credentials.ts'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'
import { world as tenantWorld } from '../support/world.ts'

const BASE = '/compat/productive/api/v2/notifications'
const JSONAPI = 'application/vnd.api+json; charset=utf-8'
const VND = 'application/vnd.api+json'

type Method = 'GET' | 'PATCH' | 'POST' | 'DELETE'
const ROUTES = (id: string): Array<[Method, string]> => [
  ['GET', BASE],
  ['GET', `${BASE}/${id}`],
  ['PATCH', `${BASE}/${id}/read`],
  ['PATCH', `${BASE}/${id}/dismiss`],
  ['PATCH', `${BASE}/${id}/undismiss`],
]

/** A tenant with one user's Productive headers and a way to seed that user's notifications. */
async function world(h: TestHerald, user = 'alice', tenant = h.tenant()) {
  const w = await tenantWorld(h, {
    tenant,
    notification: { type: 'task_created', title: 'T' },
  })
  const headers: Record<string, string> = {
    'x-auth-token': await w.token(user),
    'x-organization-id': tenant,
  }
  const seed = async (body: Record<string, unknown> = {}): Promise<string> =>
    String((await w.seed(user, body)).id)
  const call = (
    method: Method,
    url: string,
    extra: Record<string, string> = {},
    payload?: string,
  ) => h.app.inject({ method, url, headers: { ...headers, ...extra }, payload })
  /** The read and dismissed flags of one of this user's notifications. */
  const state = async (id: string) => {
    const res = await call('GET', `${BASE}/${id}`)
    assert.equal(res.statusCode, 200, res.body)
    const a = res.json().data.attributes
    return { read: a.read as boolean, dismissed: a.dismissed as boolean }
  }
  return { tenant, user, key: w.key, headers, seed, call, state }
}

const error = (status: number, title: string, detail: string) => ({
  errors: [{ status, title, detail }],
})
const notFound = (id: string) =>
  error(404, 'Record not found', `The record identified by ${id} could not be found.`)

/** Productive's detail for a credential it cannot verify, given in X-Auth-Token. */
function notValid(name: string, credential: string): string {
  const why =
    name === 'expired'
      ? 'token has expired'
      : name === 'no tenant claim'
        ? 'token must carry sub and tenant claims'
        : `${credential.startsWith('hk_') ? 'API key' : 'token'} is not valid`
  return `The X-Auth-Token is not valid: ${why}.`
}

describeEngines('productive security', (ctx) => {
  describe('credentials and organizations', () => {
    test('missing, wrong-scheme, forged, expired, alg:none and API-key credentials are 401', async () => {
      const h = ctx()
      const w = await world(h)
      const id = await w.seed()
      const c = await badCredentials(h, { tenant: w.tenant, user: w.user, key: w.key })
      const token = c.user
      type Case = [string, Record<string, string>, string]
      const cases: Case[] = [
        ['missing', { 'x-auth-token': '' }, 'Send your token in the X-Auth-Token header.'],
        [
          'wrong scheme',
          { 'x-auth-token': '', authorization: `Bearer ${token}` },
          'Send your token in the X-Auth-Token header.',
        ],
        ...refused(c).map(
          ([name, credential]): Case => [
            name,
            { 'x-auth-token': credential },
            notValid(name, credential),
          ],
        ),
        ...Object.entries(c.server).map(
          ([name, credential]): Case => [
            name,
            { 'x-auth-token': credential },
            'The X-Auth-Token is not a user token.',
          ],
        ),
      ]
      for (const [name, extra, detail] of cases) {
        for (const [method, url] of ROUTES(id)) {
          const res = await w.call(method, url, extra)
          assert.equal(res.statusCode, 401, `${name} ${method} ${url}`)
          assert.equal(res.headers['content-type'], JSONAPI)
          assert.deepEqual(res.json(), error(401, 'Unauthorized', detail), name)
        }
      }
      assert.deepEqual(await w.state(id), { read: false, dismissed: false })
    })

    test('an X-Organization-Id that is not the token tenant is 403, and changes nothing', async () => {
      const h = ctx()
      const w = await world(h)
      const other = await world(h, 'alice')
      const id = await w.seed()
      for (const [method, url] of ROUTES(id)) {
        const res = await w.call(method, url, { 'x-organization-id': other.tenant })
        assert.equal(res.statusCode, 403, `${method} ${url}`)
        assert.deepEqual(
          res.json(),
          error(403, 'Forbidden', `You are not a member of organization ${other.tenant}.`),
        )
        const missing = await w.call(method, url, { 'x-organization-id': '' })
        assert.equal(missing.statusCode, 403)
        assert.deepEqual(
          missing.json(),
          error(403, 'Forbidden', 'Send your organization in X-Organization-Id.'),
        )
      }
      assert.deepEqual(await w.state(id), { read: false, dismissed: false })
    })

    test("another user's and another tenant's ids are 404 and stay unchanged", async () => {
      const h = ctx()
      const alice = await world(h)
      const bob = await world(h, 'bob', alice.tenant)
      const stranger = await world(h, 'alice')
      const mine = await alice.seed({ dismissed: true })
      const bobs = await bob.seed()
      const foreign = await stranger.seed()
      for (const id of [bobs, foreign]) {
        for (const [method, url] of ROUTES(id).slice(1)) {
          const res = await alice.call(method, url)
          assert.equal(res.statusCode, 404, `${method} ${url}`)
          assert.deepEqual(res.json(), notFound(id))
        }
        const listed = await alice.call('GET', `${BASE}?filter[id]=${id}`)
        assert.deepEqual(listed.json().data, [])
      }
      assert.deepEqual(await bob.state(bobs), { read: false, dismissed: false })
      assert.deepEqual(await stranger.state(foreign), { read: false, dismissed: false })
      const own = await alice.call('GET', BASE)
      assert.deepEqual(
        own.json().data.map((d: { id: string }) => d.id),
        [mine],
      )
      const strangers = await stranger.call('GET', BASE)
      assert.equal(strangers.json().meta.total_count, 1)
    })
  })

  describe('member routes, unknown routes, bodies', () => {
    test('read sets read only; dismiss sets dismissed only; undismiss clears it', async () => {
      const h = ctx()
      const w = await world(h)
      const id = await w.seed()
      const patch = async (action: string) => {
        const res = await w.call('PATCH', `${BASE}/${id}/${action}`, { 'content-type': VND })
        assert.equal(res.statusCode, 200, res.body)
        assert.equal(res.headers['content-type'], JSONAPI)
        const body = res.json()
        assert.deepEqual(body.meta, {})
        assert.equal(body.data.id, id)
        return { read: body.data.attributes.read, dismissed: body.data.attributes.dismissed }
      }
      assert.deepEqual(await patch('dismiss'), { read: false, dismissed: true })
      assert.deepEqual(await w.state(id), { read: false, dismissed: true })
      assert.deepEqual(await patch('read'), { read: true, dismissed: true })
      assert.deepEqual(await patch('read'), { read: true, dismissed: true })
      assert.deepEqual(await patch('undismiss'), { read: true, dismissed: false })
      assert.deepEqual(await patch('undismiss'), { read: true, dismissed: false })
      assert.deepEqual(await w.state(id), { read: true, dismissed: false })
    })

    test('unknown, non-numeric and UUID ids are 404 Record not found', async () => {
      const h = ctx()
      const w = await world(h)
      const r = await send(h, w.key, { to: { users: [w.user] }, type: 'x', title: 'T' })
      const [n] = r.json.notifications as Array<{ uuid: string }>
      for (const id of ['999999', 'abc', n?.uuid ?? '', '0', '1234567890123456789']) {
        for (const [method, url] of ROUTES(id).slice(1)) {
          const res = await w.call(method, url)
          assert.equal(res.statusCode, 404, `${method} ${url}`)
          assert.deepEqual(res.json(), notFound(id))
        }
      }
    })

    test('routes the API does not have are 404 in the JSON:API shape', async () => {
      const h = ctx()
      const w = await world(h)
      const id = await w.seed()
      const cases: Array<[Method, string]> = [
        ['POST', BASE],
        ['DELETE', `${BASE}/${id}`],
        ['PATCH', `${BASE}/${id}`],
        ['PATCH', `${BASE}/${id}/unread`],
        ['GET', '/compat/productive/api/v2/people'],
      ]
      for (const [method, url] of cases) {
        const res = await w.call(method, url)
        assert.equal(res.statusCode, 404, `${method} ${url}`)
        assert.equal(res.headers['content-type'], JSONAPI)
        assert.deepEqual(
          res.json(),
          error(404, 'Not found', `No route matches [${method}] "${url}"`),
        )
      }
      assert.deepEqual(await w.state(id), { read: false, dismissed: false })
    })

    test('bodies must be JSON:API; a body-less PATCH may carry any Content-Type', async () => {
      const h = ctx()
      const w = await world(h)
      const id = await w.seed()
      const url = `${BASE}/${id}/read`
      const wrong = await w.call('PATCH', url, { 'content-type': 'application/json' }, '{}')
      assert.equal(wrong.statusCode, 415)
      assert.deepEqual(
        wrong.json(),
        error(
          415,
          'Unsupported media type',
          "All requests that create or update must use the 'application/vnd.api+json' Content-Type. This request specified 'application/json'.",
        ),
      )
      const untyped = await w.call('PATCH', url, {}, 'hello')
      assert.equal(untyped.statusCode, 415)
      const broken = await w.call('PATCH', url, { 'content-type': VND }, '{"data":')
      assert.equal(broken.statusCode, 400)
      assert.deepEqual(
        broken.json(),
        error(400, 'Bad Request', 'The request body is not valid JSON.'),
      )
      const huge = await w.call('PATCH', url, { 'content-type': VND }, `"${'x'.repeat(1_100_000)}"`)
      assert.equal(huge.statusCode, 413)
      assert.equal(huge.json().errors[0].status, 413)
      assert.deepEqual(await w.state(id), { read: false, dismissed: false })
      const xml = await w.call('PATCH', url, { 'content-type': 'text/xml', accept: 'text/xml' })
      assert.equal(xml.statusCode, 200, xml.body)
      assert.equal(xml.headers['content-type'], JSONAPI)
      assert.deepEqual(await w.state(id), { read: true, dismissed: false })
      const typed = await w.call('PATCH', `${BASE}/${id}/dismiss`, { 'content-type': VND }, '{}')
      assert.equal(typed.statusCode, 200)
      assert.deepEqual(await w.state(id), { read: true, dismissed: true })
    })
  })
})
