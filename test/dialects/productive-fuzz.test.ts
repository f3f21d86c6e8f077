import assert from 'node:assert/strict'
import { test } from 'node:test'
import { seeded } from '../support/fuzz.ts'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'

const PREFIX = '/compat/productive'
const BASE = `${PREFIX}/api/v2/notifications`
const JSONAPI = 'application/vnd.api+json; charset=utf-8'
const ROUNDS = 300

const KEYS = [
  'filter[id]',
  'filter[id][eq]',
  'filter[id][gt]',
  'filter[type]',
  'filter[dismissed]',
  'filter[important]',
  'filter[project_id]',
  'filter[date_before]',
  'filter[date_after]',
  'filter[before]',
  'filter[after]',
  'filter[undefined]',
  'filter[constructor]',
  'filter[__proto__]',
  'filter[$op]',
  'filter',
  'filter[]',
  'filter[a][b][c]',
  'page[number]',
  'page[size]',
  'page[offset]',
  'page',
  'page[number][x]',
  'sort',
  'include',
  'fields[notifications]',
] as const

const VALUES = [
  '',
  '1',
  '0',
  '-1',
  '200',
  '201',
  '2147483648',
  '99999999999999999999',
  '1e309',
  'abc',
  'true',
  'FALSE',
  'Task,Todo',
  '1,,2',
  ',',
  '2026-03-17',
  '2026-02-30',
  '9999-12-31',
  '0001-01-01',
  '2026-03-17T10:00:00+01:00',
  '2026-03-17T25:61:00Z',
  '-last_action_at',
  'constructor',
  '-__proto__',
  'created_at',
  '-title',
  "'; DROP TABLE notifications; --",
  '%',
  'null',
  '\u0000',
  '😀',
  'x'.repeat(5000),
] as const

const CONTENT_TYPES = [
  undefined,
  'application/vnd.api+json',
  'application/vnd.api+json; charset=utf-8',
  'application/json',
  'text/plain',
  'text/xml',
  'multipart/form-data; boundary=x',
  ';;;',
] as const

const BODIES = [undefined, '', '{}', '{"data":', 'null', '[]', '"x"', 'garbage', '{"a":{"b":[1]}}']

type Gen = ReturnType<typeof seeded>

function query(g: Gen): string {
  const parts: string[] = []
  const n = Math.floor(g.next() * 4)
  for (let i = 0; i < n; i++) {
    const value = g.pick(VALUES)
    // Now and then a raw, even malformed, escape in the query string.
    const encoded = g.next() < 0.1 ? '%zz%E0%A4' : encodeURIComponent(value)
    parts.push(`${encodeURIComponent(g.pick(KEYS))}=${encoded}`)
  }
  return parts.length > 0 ? `?${parts.join('&')}` : ''
}

function request(g: Gen, ids: string[]) {
  const id = g.pick([...ids, '0', 'abc', '-5', '1.5', '99999999999999999999', '%20', 'unread'])
  const path = g.pick([
    BASE,
    BASE,
    `${BASE}/${id}`,
    `${BASE}/${id}/read`,
    `${BASE}/${id}/dismiss`,
    `${BASE}/${id}/undismiss`,
    `${BASE}/${id}/unread`,
    `${BASE}/${id}/read/extra`,
    `${PREFIX}/api/v2`,
    `${PREFIX}/${encodeURIComponent(g.pick(VALUES))}`,
  ])
  const method = g.pick(['GET', 'GET', 'PATCH', 'PATCH', 'POST', 'DELETE', 'PUT'] as const)
  const payload = method === 'GET' ? undefined : g.pick(BODIES)
  const contentType = g.pick(CONTENT_TYPES)
  return { method, url: `${path}${query(g)}`, payload, contentType, id }
}

async function snapshot(h: TestHerald, tenant: string, user: string) {
  const token = await h.token({ tenant, user })
  const res = await h.app.inject({
    url: '/v1/me/notifications?dismissed=include&limit=100',
    headers: { authorization: `Bearer ${token}` },
  })
  assert.equal(res.statusCode, 200, res.body)
  return res.json().items.map((n: Record<string, unknown>) => [n.id, n.read, n.dismissed])
}

function assertShape(res: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  const where = `${res.statusCode} ${res.body.slice(0, 300)}`
  assert.ok(res.statusCode < 500, where)
  assert.equal(res.headers['content-type'], JSONAPI, where)
  const body = JSON.parse(res.body)
  if (res.statusCode >= 400) {
    assert.equal(body.errors?.length, 1, where)
    const [e] = body.errors
    assert.equal(e.status, res.statusCode, where)
    assert.equal(typeof e.title, 'string', where)
    assert.ok(e.title.length > 0, where)
    assert.equal(typeof e.detail, 'string', where)
  } else {
    assert.ok('data' in body, where)
  }
}

describeEngines('productive fuzz', (ctx) => {
  test(`${ROUNDS} seeded odd requests: never a 5xx, always the JSON:API shape`, async () => {
    const h = ctx()
    const tenant = h.tenant()
    const other = h.tenant()
    const key = await h.apiKey(tenant)
    const ids: string[] = []
    for (const [to, extra] of [
      ['alice', { lastActionAt: '2026-03-16T04:08:24.488Z', target: { id: '1', type: 'task' } }],
      ['alice', { dismissed: true, project: { id: '618' } }],
      ['bob', {}],
    ] as const) {
      const r = await send(h, key, { to: { users: [to] }, type: 'fuzz', title: 'F', ...extra })
      ids.push(String((r.json.notifications as Array<{ id: number }>)[0]?.id))
    }
    const r = await send(h, await h.apiKey(other), {
      to: { users: ['alice'] },
      type: 'f',
      title: 'F',
    })
    ids.push(String((r.json.notifications as Array<{ id: number }>)[0]?.id))
    const before = [await snapshot(h, tenant, 'bob'), await snapshot(h, other, 'alice')]
    const token = await h.token({ tenant, user: 'alice' })
    const g = seeded(0x5eed)
    const seen = new Set<number>()
    for (let i = 0; i < ROUNDS; i++) {
      const req = request(g, ids)
      const headers: Record<string, string> = {
        'x-organization-id': g.next() < 0.05 ? other : tenant,
      }
      const auth = g.next()
      if (auth < 0.85) headers['x-auth-token'] = token
      else if (auth < 0.92) headers['x-auth-token'] = g.pick(VALUES.slice(0, 20))
      if (req.contentType) headers['content-type'] = req.contentType
      const own = await snapshot(h, tenant, 'alice')
      const res = await h.app.inject({
        method: req.method,
        url: req.url,
        headers,
        payload: req.payload,
      })
      assertShape(res)
      seen.add(res.statusCode)
      if (res.statusCode >= 400) {
        assert.deepEqual(await snapshot(h, tenant, 'alice'), own, `${req.method} ${req.url}`)
      }
    }
    assert.deepEqual([await snapshot(h, tenant, 'bob'), await snapshot(h, other, 'alice')], before)
    // The generator must reach every kind of answer, or it is not testing much.
    for (const status of [200, 400, 401, 403, 404, 415]) assert.ok(seen.has(status), `no ${status}`)
  })
})
