import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { seeded } from '../support/fuzz.ts'
import { describeEngines, send } from '../support/harness.ts'

const PREFIX = '/compat/ondi'
const REQUESTS = 300

const ODD_VALUES = [
  '',
  '0',
  '1',
  '-1',
  '100',
  '101',
  '1.5',
  '1e3',
  'NaN',
  'true',
  'false',
  'TRUE',
  'null',
  '%00',
  '%ff',
  '%E2%80%AE',
  '%F0%9F%94%94',
  '%',
  '%%',
  '[]',
  '{}',
  "'",
  '"',
  '\\',
  '%0a',
  '99999999999999999999999',
  '00000000-0000-0000-0000-000000000000',
  'x'.repeat(3000),
  'new_assignment',
  'delivery_status_update',
  '%20',
  '+',
  'a%26b%3Dc',
] as const
const KEYS = [
  'page',
  'limit',
  'read_status',
  'notification_type',
  'tenant_id',
  'page[]',
  'limit[0]',
  '__proto__',
  'constructor',
  'sort',
  '',
  '%00',
] as const
const PATHS = [
  '/messaging/notifications',
  '/messaging/notifications/stats',
  '/messaging/notifications/mark-read',
  '/messaging/notifications/',
  '/messaging/notifications/%00',
  '/messaging/../messaging/notifications',
  '/messaging/notifications/stats/extra',
  '/messaging',
  '/%E2%80%AE',
] as const
const ROUTES = [
  ['GET', '/messaging/notifications'],
  ['GET', '/messaging/notifications/stats'],
  ['PUT', '/messaging/notifications/mark-read'],
] as const
const METHODS = ['GET', 'GET', 'PUT', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD'] as const

describeEngines('ondi fuzz', (ctx) => {
  test(`${REQUESTS} seeded odd requests: never a 5xx, every 4xx in Ondi shape`, async () => {
    const h = ctx()
    const tenant = randomUUID()
    const user = randomUUID()
    const bystander = randomUUID()
    const key = await h.apiKey(tenant)
    const sent = await send(h, key, {
      to: { users: [user, bystander] },
      type: 'new_assignment',
      title: 'x',
    })
    assert.equal(sent.status, 201)
    const uuids = (sent.json.notifications as Array<{ uuid: string }>).map((n) => n.uuid)
    const token = await h.token({ tenant, user })
    const auths = [
      `Bearer ${token}`,
      `Bearer ${token}`,
      `Bearer ${token}`,
      '',
      'Bearer x',
      `bearer ${token}`,
    ]
    const { next, pick } = seeded(0x0d1)
    const values = [...ODD_VALUES, tenant, tenant.toUpperCase(), randomUUID(), ...uuids]
    const bodies = [
      undefined,
      '',
      '{}',
      'null',
      '[]',
      '{"notification_ids":[]}',
      '{"notification_ids":"a"}',
      '{"notification_ids":[1,2,3]}',
      '{"notification_ids":[{"$ne":null}]}',
      '{',
      '}{',
      '\u0000',
      '{"notification_ids":["\\u0000"]}',
      JSON.stringify({ notification_ids: uuids }),
      JSON.stringify({ notification_ids: [uuids[0]] }),
      '{"notification_ids":[null]}',
      '{"__proto__":{"polluted":1}}',
      '{"constructor":{"prototype":{"x":1}}}',
      '9'.repeat(400),
    ]
    const types = [
      'application/json',
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      '',
    ]
    for (let i = 0; i < REQUESTS; i++) {
      const parts = Array.from(
        { length: Math.floor(next() * 5) },
        () => `${pick(KEYS)}=${pick(values)}`,
      )
      // Mostly the three real routes, so most requests get past routing to the parsers.
      const [method, path] = next() < 0.75 ? pick(ROUTES) : [pick(METHODS), pick(PATHS)]
      const url = `${PREFIX}${path}${parts.length ? `?${parts.join('&')}` : ''}`
      const headers: Record<string, string> = {}
      const auth = pick(auths)
      if (auth) headers.authorization = auth
      const type = pick(types)
      if (type) headers['content-type'] = type
      const payload = method === 'GET' || method === 'HEAD' ? undefined : pick(bodies)
      const res = await h.app.inject({ method, url, headers, payload })
      const what = `#${i} ${method} ${url.slice(0, 120)} ${JSON.stringify(payload)?.slice(0, 60)}`
      assert.ok(res.statusCode < 500, `${what} → ${res.statusCode} ${res.body}`)
      if (method === 'HEAD') continue
      const body = res.json()
      assert.equal(body.success, res.statusCode < 400, what)
      assert.equal(typeof body.message, 'string', what)
      if (res.statusCode >= 400) {
        const extra = Object.keys(body).filter((k) => k !== 'success' && k !== 'message')
        assert.ok(extra.length === 0 || body.error === 'invalid_notification_ids', what)
      }
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
    const other = await h.token({ tenant, user: bystander })
    const stats = await h.app.inject({
      url: `${PREFIX}/messaging/notifications/stats`,
      headers: { authorization: `Bearer ${other}` },
    })
    assert.deepEqual(
      stats.json().stats,
      { total: 1, unread: 1, read: 0 },
      "the bystander's row is untouched",
    )
  })
})
