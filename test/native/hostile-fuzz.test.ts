import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import type { InjectOptions } from 'fastify'
import { seeded } from '../support/fuzz.ts'
import { describeEngines, sendOne, type TestHerald } from '../support/harness.ts'

/**
 * One seeded fuzzer over every route of every surface, the native API and its stream included:
 * odd path segments, hostile query values (repeated, huge, NUL, percent-garbage, injection, out of
 * range), bodies of every wrong shape and content type, missing and garbage credentials. Nothing a
 * client can send may answer 5xx. A failure prints the seed and the request, so it replays.
 */
const SEED = Number(process.env.HERALD_FUZZ_SEED ?? 20261129)
/** Requests per surface; the native API has the most routes and bodies, so it gets more. */
const PER_SURFACE = (name: string) => (name === 'native' ? 1000 : 300)

type Rng = ReturnType<typeof seeded>

const HOSTILE = [
  '',
  ' ',
  'x'.repeat(5000),
  '\u0000',
  'a\u0000b',
  '%',
  '%zz',
  '%00',
  '../../etc/passwd',
  "' OR 1=1 --",
  '"; DROP TABLE notifications; --',
  '%_\\',
  '1e400',
  'Infinity',
  '-Infinity',
  'NaN',
  '-1',
  '0',
  '9'.repeat(40),
  '1.5',
  'null',
  'true',
  '[]',
  '{}',
  '{"a":{"b":1}}',
  '😀',
  '\uD800',
  'a,b,,c',
  '__proto__',
  'constructor',
  '2026-13-45T99:99:99Z',
  '99999-01-01T00:00:00Z',
]

/** Percent-encoding that also carries a lone surrogate, as the invalid UTF-8 bytes a client can send. */
const encode = (v: string): string => {
  try {
    return encodeURIComponent(v)
  } catch {
    return '%ED%A0%80'
  }
}

const value = (r: Rng): string =>
  r.chance(0.15) ? randomUUID() : r.chance(0.15) ? String(r.int(100_000)) : r.pick(HOSTILE)

/** A JSON value of a random wrong (or right) shape, bounded in size and depth. */
function json(r: Rng, depth = 0): unknown {
  const k = r.int(depth > 3 ? 5 : 9)
  if (k === 0) return null
  if (k === 1) return r.chance(0.5)
  if (k === 2) return r.pick([0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER + 2, 42])
  if (k === 3 || k === 4) return value(r)
  // Long arrays hold scalars only, so a body stays well under the body limit.
  if (k === 5 && depth === 0 && r.chance(0.2)) return Array.from({ length: 2000 }, () => r.int(1e6))
  if (k === 5) return Array.from({ length: r.int(4) }, () => json(r, depth + 1))
  const keys = [
    'ids',
    'notification_ids',
    'messageIds',
    'filter',
    'action',
    'to',
    'title',
    'type',
    'until',
    'data',
    'users',
    'name',
    '__proto__',
    'constructor',
    'filters',
    'cap',
    'add',
  ]
  return Object.fromEntries(
    Array.from({ length: 1 + r.int(4) }, () => [r.pick(keys), json(r, depth + 1)]),
  )
}

function query(r: Rng, names: string[]): string {
  const parts = Array.from({ length: r.int(5) }, () => {
    const name = r.chance(0.8) ? r.pick(names) : r.pick(['x', '__proto__', 'a[b]', 'page[size]'])
    const raw = value(r)
    // Percent-garbage goes on the wire as it is; everything else is encoded.
    return `${encode(name)}=${raw.startsWith('%') ? raw : encode(raw)}`
  })
  return parts.length ? `?${parts.join('&')}` : ''
}

interface Route {
  method: InjectOptions['method']
  /** `:x` segments are filled with odd values (or a real id). */
  path: string
  /** A valid body, of which the fuzzer changes one leaf: a right shape with one wrong value. */
  body?: unknown
}

/** The template with one leaf (or one whole branch) replaced by a hostile value. */
function mutate(r: Rng, template: unknown): unknown {
  if (template === null || typeof template !== 'object') return r.chance(0.7) ? value(r) : json(r)
  const copy: Record<string, unknown> | unknown[] = Array.isArray(template)
    ? [...template]
    : { ...(template as Record<string, unknown>) }
  const keys = Object.keys(copy)
  if (keys.length === 0 || r.chance(0.1)) return json(r)
  const k = r.pick(keys)
  ;(copy as Record<string, unknown>)[k] = mutate(r, (copy as Record<string, unknown>)[k])
  return copy
}

interface SurfaceFuzz {
  name: string
  prefix: string
  routes: Route[]
  /** The surface's header form around a credential (a user token, sometimes a server key). */
  headers(credential: string, tenant: string): Record<string, string>
}

const ANY_PARAMS = [
  'type',
  'read',
  'cursor',
  'limit',
  'page',
  'sort',
  'messageType',
  'from',
  'project',
  'pageSize',
  'sortBy',
  'read_status',
  'notification_type',
  'tenant_id',
  'filter[status]',
  'page[number]',
  'cap',
  'byType',
  'data',
  'createdAfter',
  'actorUsername',
  'access_token',
]

const SURFACES: SurfaceFuzz[] = [
  {
    name: 'native',
    prefix: '/v1',
    headers: (token) => ({ authorization: `Bearer ${token}` }),
    routes: [
      { method: 'GET', path: '/me/notifications' },
      { method: 'GET', path: '/me/notifications/:id' },
      {
        method: 'POST',
        path: '/me/notifications/:id/:action',
        body: { until: '2030-01-01T00:00:00Z' },
      },
      { method: 'DELETE', path: '/me/notifications/:id' },
      { method: 'POST', path: '/me/notifications/bulk', body: { action: 'read', ids: [1, 2] } },
      {
        method: 'POST',
        path: '/me/notifications/bulk',
        body: { action: 'delete', filter: { types: ['comment'], read: true, upToId: 5 } },
      },
      { method: 'GET', path: '/me/counts' },
      { method: 'POST', path: '/me/counts', body: { filters: { a: { read: false } }, cap: 99 } },
      { method: 'PUT', path: '/me/checkpoint' },
      {
        method: 'POST',
        path: '/notifications',
        body: { to: { users: ['fuzzed'] }, type: 'comment', title: 'x', data: { k: 'v' } },
      },
      { method: 'PUT', path: '/users/:id' },
      { method: 'GET', path: '/users' },
      { method: 'DELETE', path: '/users/:id' },
      { method: 'PUT', path: '/topics/:id/subscribers', body: { add: ['a'], remove: ['b'] } },
      { method: 'POST', path: '/api-keys' },
      { method: 'GET', path: '/api-keys' },
      { method: 'DELETE', path: '/api-keys/:id' },
      { method: 'POST', path: '/api-keys/:id/rotate', body: { overlapSeconds: 60, name: 'n' } },
    ],
  },
  {
    name: 'tasking-manager',
    prefix: '/compat/tasking-manager/api/v2/notifications',
    headers: (token) => ({ authorization: `Token ${Buffer.from(token).toString('base64')}` }),
    routes: [
      { method: 'GET', path: '/' },
      { method: 'GET', path: '/queries/own/count-unread/' },
      { method: 'POST', path: '/queries/own/post-unread/' },
      { method: 'DELETE', path: '/delete-multiple/', body: { messageIds: [1, 2] } },
      { method: 'DELETE', path: '/delete-all/' },
      { method: 'POST', path: '/mark-as-read-all/' },
      { method: 'POST', path: '/mark-as-read-multiple/', body: { messageIds: [1, 2] } },
      { method: 'GET', path: '/:id/' },
      { method: 'DELETE', path: '/:id/' },
    ],
  },
  {
    name: 'ondi',
    prefix: '/compat/ondi/messaging/notifications',
    headers: (token) => ({ authorization: `Bearer ${token}` }),
    routes: [
      { method: 'GET', path: '' },
      { method: 'PUT', path: '/mark-read', body: { notification_ids: [randomUUID()] } },
      { method: 'GET', path: '/stats' },
    ],
  },
  {
    name: 'mantle2',
    prefix: '/compat/mantle2/v2/users',
    headers: (token) => ({ authorization: `Bearer ${token}` }),
    routes: [
      { method: 'GET', path: '/:user/notifications' },
      { method: 'POST', path: '/:user/notifications', body: { title: 't', description: 'd' } },
      { method: 'GET', path: '/:user/notifications/:id' },
      { method: 'DELETE', path: '/:user/notifications/:id' },
      { method: 'POST', path: '/:user/notifications/mark_all_read' },
      { method: 'POST', path: '/:user/notifications/:id/mark_read' },
      { method: 'DELETE', path: '/:user/notifications/clear' },
      { method: 'POST', path: '/current/notifications/push' },
    ],
  },
  {
    name: 'productive',
    prefix: '/compat/productive/api/v2/notifications',
    headers: (token, tenant) => ({ 'x-auth-token': token, 'x-organization-id': tenant }),
    routes: [
      { method: 'GET', path: '' },
      { method: 'GET', path: '/:id' },
      { method: 'PATCH', path: '/:id/read' },
      { method: 'PATCH', path: '/:id/dismiss' },
    ],
  },
  {
    name: 'kendo',
    prefix: '/compat/kendo/api/notifications',
    headers: (token) => ({ authorization: `Bearer ${token}` }),
    routes: [
      { method: 'GET', path: '' },
      { method: 'POST', path: '/bulk-read', body: { notification_ids: [1, 2] } },
      { method: 'POST', path: '/bulk-delete', body: { notification_ids: [1] } },
    ],
  },
]

/** One random request against a route of the surface. */
function request(
  r: Rng,
  s: SurfaceFuzz,
  creds: { token: string; key: string; tenant: string; ids: string[] },
): InjectOptions {
  const route = r.pick(s.routes)
  const segment = () => {
    if (r.chance(0.3)) return r.pick(creds.ids)
    if (r.chance(0.2))
      return r.pick(['current', 'read', 'unread', 'snooze', 'dismiss', '@alice', '1'])
    return encode(value(r)).slice(0, 300) || 'x'
  }
  const path = route.path.replace(/:[a-z]+/g, segment)
  const credential = r.chance(s.name === 'native' ? 0.3 : 0.1) ? creds.key : creds.token
  const headers: Record<string, string> = r.chance(0.85)
    ? s.headers(credential, creds.tenant)
    : r.chance(0.5)
      ? {}
      : { authorization: `Bearer ${value(r).replace(/[^\x20-\x7e]/g, '')}` }
  let payload: string | undefined
  if (route.method !== 'GET' && r.chance(0.8)) {
    headers['content-type'] = r.pick([
      'application/json',
      'application/json',
      'application/json',
      'application/json',
      'application/vnd.api+json',
      'application/vnd.api+json',
      'text/plain',
      'application/x-www-form-urlencoded',
    ])
    const body = route.body !== undefined && r.chance(0.6) ? mutate(r, route.body) : json(r)
    payload = r.chance(0.9)
      ? JSON.stringify(body)
      : r.pick(['{', '[1,', 'nul', '{"a":1}}', value(r)])
  }
  return {
    method: route.method,
    url: `${s.prefix}${path}${query(r, ANY_PARAMS)}`,
    headers,
    payload,
  }
}

describeEngines('hostile input on every surface: never a 5xx', (get) => {
  const world = async (h: TestHerald) => {
    const tenant = h.tenant()
    const key = await h.apiKey(tenant)
    const token = await h.token({ tenant, user: 'fuzzed' })
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      const n = await sendOne(h, key, 'fuzzed', { type: 'comment', title: `n${i}` })
      ids.push(String(n.id), n.uuid, n.uuid.replaceAll('-', ''))
    }
    return { tenant, key, token, ids }
  }

  for (const s of SURFACES) {
    test(`${s.name}: ${PER_SURFACE(s.name)} seeded hostile requests`, async (t) => {
      const h = get()
      const creds = await world(h)
      const r = seeded(SEED + s.name.length)
      const failures: string[] = []
      for (let i = 0; i < PER_SURFACE(s.name); i++) {
        const req = request(r, s, creds)
        const res = await h.app.inject(req)
        if (res.statusCode >= 500) {
          failures.push(
            `${res.statusCode} ${req.method} ${req.url} ${String(req.payload).slice(0, 200)} → ${res.body.slice(0, 200)}`,
          )
        }
      }
      t.diagnostic(
        `${PER_SURFACE(s.name)} requests (seed ${SEED}), ${failures.length} answered 5xx`,
      )
      assert.deepEqual(failures, [], `seed ${SEED}`)
    })
  }

  test('the stream: hostile Last-Event-ID, query and credentials never answer 5xx', async (t) => {
    const h = get()
    const creds = await world(h)
    const base = await h.app.listen({ host: '127.0.0.1', port: 0 })
    const r = seeded(SEED)
    let served = 0
    for (let i = 0; i < 60; i++) {
      const c = new AbortController()
      const token = r.chance(0.8) ? creds.token : value(r).replace(/[^\x21-\x7e]/g, '')
      const lastId = value(r)
        .replace(/[^\x20-\x7e]/g, '')
        .slice(0, 600)
      const extra = query(r, ['access_token', 'x', 'last-event-id'])
      const url = `${base}/v1/me/stream?access_token=${encode(token)}${extra.replace('?', '&')}`
      const res = await fetch(url, { headers: { 'last-event-id': lastId }, signal: c.signal })
      c.abort()
      assert.ok(res.status < 500, `${res.status} for ${url} with Last-Event-ID ${lastId}`)
      served++
    }
    t.diagnostic(`${served} stream opens, none 5xx`)
  })
})
