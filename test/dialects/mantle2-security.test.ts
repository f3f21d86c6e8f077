import assert from 'node:assert/strict'
import { test } from 'node:test'
import { badCredentials, notUserTokens } from '../support/credentials.ts'
import { seeded } from '../support/fuzz.ts'
import { describeEngines, type TestHerald } from '../support/harness.ts'
import { world as tenantWorld, type World } from '../support/world.ts'

const P = '/compat/mantle2/v2/users'
type Headers = Record<string, string>
type Reply = { statusCode: number; body: string; json(): unknown }

const hex = (uuid: string) => uuid.replaceAll('-', '')

/** Two tenants; the first has alice (42), bob (43), an admin (7) and a disabled user (9). */
async function world(h: TestHerald) {
  const notification = { type: 'warning', title: 'T' }
  const mine = await tenantWorld(h, {
    notification,
    profiles: {
      '42': { username: 'alice' },
      '43': { username: 'bob' },
      '7': { username: 'boss', admin: true },
      '9': { username: 'gone', disabled: true },
    },
  })
  const other = await tenantWorld(h, { notification, profiles: { '42': { username: 'carol' } } })
  /** Seeds one notification for `user` of `w` (the first tenant unless told) → its Mantle2 id. */
  const seed = async (user: string, title = 'T', w: World = mine) =>
    hex((await w.seed(user, { title })).uuid)
  const bearer = async (user: string, w: World = mine): Promise<Headers> => ({
    authorization: `Bearer ${await w.token(user)}`,
  })
  const call = (method: string, url: string, headers: Headers, payload?: string): Promise<Reply> =>
    h.app.inject({ method: method as 'GET', url: `${P}${url}`, headers, payload })
  return { tenant: mine.tenant, key: mine.key, other, seed, bearer, call }
}

/** Every route, for a target segment and a notification id. */
const routes = (who: string, id: string): Array<[string, string, string?]> => [
  ['GET', `/${who}/notifications`],
  ['GET', `/${who}/notifications/${id}`],
  ['DELETE', `/${who}/notifications/${id}`],
  ['POST', `/${who}/notifications/mark_all_read`],
  ['POST', `/${who}/notifications/mark_all_unread`],
  ['POST', `/${who}/notifications/${id}/mark_read`],
  ['POST', `/${who}/notifications/${id}/mark_unread`],
  ['DELETE', `/${who}/notifications/clear`],
  ['POST', `/${who}/notifications`, '{"title":"t","description":"d"}'],
]

const is = (r: Reply, status: number, message: string, what: string) =>
  assert.deepEqual([r.statusCode, r.json()], [status, { code: status, message }], what)

type Rng = ReturnType<typeof seeded>

const ODD = [
  '',
  ' ',
  '0',
  '-1',
  '1e309',
  'null',
  '[]',
  '{}',
  '%00',
  '\u0000',
  'é',
  '🙂',
  '..',
  'a'.repeat(300),
]
const oddText = (r: Rng) =>
  r.chance(0.5)
    ? r.pick(ODD)
    : Array.from({ length: r.int(12) }, () => String.fromCharCode(r.int(0x2fff))).join('')

function oddValue(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 2 ? 5 : 7)) {
    case 0:
      return oddText(r)
    case 1:
      return r.pick([0, -1, 1.5, 2 ** 53, Number.MAX_VALUE])
    case 2:
      return r.chance(0.5)
    case 3:
      return null
    case 4:
      return r.pick(['info', 'warning', 'error', 'success', 'article'])
    case 5:
      return Array.from({ length: r.int(3) }, () => oddValue(r, depth + 1))
    default:
      return Object.fromEntries(
        Array.from({ length: r.int(3) }, () => [oddText(r), oddValue(r, depth + 1)]),
      )
  }
}

function oddBody(r: Rng): string | undefined {
  switch (r.int(6)) {
    case 0:
      return undefined
    case 1:
      return oddText(r)
    case 2:
      return '{"title":'
    case 3:
      return JSON.stringify(oddValue(r))
    default: {
      const keys = [
        'title',
        'description',
        'type',
        'link',
        'source',
        'token',
        'platform',
        oddText(r),
      ]
      return JSON.stringify(
        Object.fromEntries(keys.filter(() => r.chance(0.6)).map((k) => [k, oddValue(r)])),
      )
    }
  }
}

function oddQuery(r: Rng): string {
  const keys = ['limit', 'page', 'sort', 'type', 'read', oddText(r)]
  const parts = Array.from({ length: r.int(4) }, () => {
    const k = encodeURIComponent(r.pick(keys))
    return r.chance(0.2) ? k : `${k}=${encodeURIComponent(String(oddValue(r)))}`
  })
  return parts.length === 0 ? '' : `?${parts.join('&')}`
}

describeEngines('mantle2 security', (get) => {
  test('bad credentials: 401 in Mantle2 shape on every route, nothing changed', async () => {
    const h = get()
    const w = await world(h)
    const id = await w.seed('42')
    const c = await badCredentials(h, { tenant: w.tenant, user: '42', key: w.key })
    const good = c.user
    const cases: Array<[string | undefined, string]> = [
      [undefined, 'Authentication required'],
      [`Basic ${Buffer.from('42:pw').toString('base64')}`, 'Authentication required'],
      [`Token ${good}`, 'Authentication required'],
      [`Bearer${good}`, 'Authentication required'],
      ...notUserTokens(c).map(([, cred]): [string, string] => [
        `Bearer ${cred}`,
        'Invalid or expired session token',
      ]),
      [`bearer garbage`, 'Invalid or expired session token'],
    ]
    for (const [auth, message] of cases) {
      const headers: Headers = auth === undefined ? {} : { authorization: auth }
      for (const [method, url, body] of routes('42', id)) {
        is(await w.call(method, url, headers, body), 401, message, `${auth} ${method} ${url}`)
      }
    }
    const list = await w.call('GET', '/current/notifications', await w.bearer('42'))
    assert.deepEqual(
      (list.json() as { items: Array<{ id: string; read: boolean }> }).items.map((n) => [
        n.id,
        n.read,
      ]),
      [[id, false]],
    )
  })

  test('a disabled account gets 403 on every route', async () => {
    const w = await world(get())
    const id = await w.seed('9')
    const gone = await w.bearer('9')
    for (const [method, url, body] of routes('9', id)) {
      is(await w.call(method, url, gone, body), 403, 'Account disabled by administrator', url)
    }
    const boss = await w.bearer('7')
    const still = await w.call('GET', `/9/notifications/${id}`, boss)
    assert.equal((still.json() as { read: boolean }).read, false)
  })

  test("another user's inbox and ids: 403 or 404, and nothing changes", async () => {
    const w = await world(get())
    const bobs = await w.seed('43', 'bob only')
    const alice = await w.bearer('42')
    for (const who of ['43', '@bob', 'bob', '000000000000000000000043']) {
      for (const [method, url, body] of routes(who, bobs)) {
        is(await w.call(method, url, alice, body), 403, 'Forbidden', `${method} ${url}`)
      }
    }
    for (const [method, url, body] of routes('current', bobs)) {
      if (url.endsWith('notifications') || url.includes('mark_all') || url.endsWith('clear'))
        continue
      is(await w.call(method, url, alice, body), 404, 'Notification not found', url)
    }
    // An admin addressing alice's inbox with bob's id does not reach bob's notification either.
    const boss = await w.bearer('7')
    is(await w.call('DELETE', `/42/notifications/${bobs}`, boss), 404, 'Notification not found', '')
    const bob = await w.call('GET', `/current/notifications/${bobs}`, await w.bearer('43'))
    assert.equal(bob.statusCode, 200)
    assert.equal((bob.json() as { read: boolean }).read, false)
  })

  test("another tenant's users and ids are invisible, and nothing changes", async () => {
    const w = await world(get())
    const carols = await w.seed('42', 'carol only', w.other)
    // Alice has the same user id in her own tenant: she still sees none of carol's.
    const alice = await w.bearer('42')
    const mine = await w.call('GET', '/42/notifications', alice)
    assert.equal((mine.json() as { total: number }).total, 0)
    for (const [method, url, body] of routes('current', carols)) {
      if (!url.includes(carols)) continue
      is(await w.call(method, url, alice, body), 404, 'Notification not found', url)
    }
    const boss = await w.bearer('7')
    is(await w.call('GET', '/@carol/notifications', boss), 404, 'Not Found', 'carol by name')
    const carol = await w.bearer('42', w.other)
    const theirs = await w.call('GET', '/current/notifications', carol)
    const items = (theirs.json() as { items: Array<{ id: string; read: boolean }> }).items
    assert.deepEqual(
      items.map((n) => [n.id, n.read]),
      [[carols, false]],
    )
  })

  test('framework errors and route misses answer in Mantle2 shape', async () => {
    const h = get()
    const w = await world(h)
    const boss = { ...(await w.bearer('7')), 'content-type': 'application/json' }
    const big = JSON.stringify({ title: 't', description: 'x'.repeat(1024 * 1024 + 10) })
    const large = await w.call('POST', '/42/notifications', boss, big)
    assert.deepEqual(
      [large.statusCode, Object.keys(large.json() as object)],
      [413, ['code', 'message']],
    )
    const misses: Array<[string, string]> = [
      ['GET', '/compat/mantle2/v2/nothing'],
      ['PUT', `${P}/current/notifications`],
      ['PATCH', `${P}/42/notifications/${'a'.repeat(32)}`],
      ['GET', `${P}/current/notifications/${'a'.repeat(32)}/mark_read`],
      ['GET', `${P}//notifications`],
      // Longer than the router's parameter limit: still a Mantle2 route miss, not Fastify's 414.
      ['GET', `${P}/42/notifications/${'a'.repeat(300)}`],
      ['POST', `${P}/${'9'.repeat(200)}/notifications/mark_all_read`],
    ]
    for (const [method, url] of misses) {
      const res = await h.app.inject({ method: method as 'GET', url, headers: boss })
      is(res, 404, 'Not Found', `${method} ${url}`)
    }
  })

  test('fuzz: 400 seeded odd requests, never a 5xx, every 4xx in Mantle2 shape', async () => {
    const h = get()
    const w = await world(h)
    const carols = await w.seed('42', 'bystander', w.other)
    const ids = [await w.seed('42'), await w.seed('43')]
    const auths: Array<Headers> = [
      await w.bearer('42'),
      await w.bearer('7'),
      await w.bearer('9'),
      {},
      { authorization: 'Bearer x.y.z' },
      { authorization: `Bearer ${w.key}` },
    ]
    const types = ['application/json', 'text/plain', 'application/x-www-form-urlencoded', undefined]
    const r = seeded(0x3a17e2)
    for (let i = 0; i < 400; i++) {
      const who = r.pick([
        'current',
        '42',
        '0042',
        '@alice',
        'bob',
        '7',
        '0',
        '999',
        encodeURIComponent(oddText(r)) || 'x',
      ])
      const nid = r.pick([...ids, 'f'.repeat(32), encodeURIComponent(oddText(r)) || 'y'])
      const tail = r.pick([
        '',
        `/${nid}`,
        `/${nid}/mark_read`,
        `/${nid}/mark_unread`,
        '/mark_all_read',
        '/mark_all_unread',
        '/clear',
        '/push',
        `/${encodeURIComponent(oddText(r))}`,
      ])
      const method = r.pick(['GET', 'POST', 'DELETE', 'PUT', 'PATCH'])
      const headers: Headers = { ...r.pick(auths) }
      const type = r.pick(types)
      if (type) headers['content-type'] = type
      const url = `/${who}/notifications${tail}${r.chance(0.2) ? '/' : ''}${oddQuery(r)}`
      const res = await w.call(method, url, headers, oddBody(r))
      const what = `#${i} ${method} ${url}: ${res.statusCode} ${res.body.slice(0, 200)}`
      assert.ok(res.statusCode < 500, what)
      if (res.statusCode >= 400) {
        const body = res.json() as { code: unknown; message: unknown }
        assert.deepEqual(Object.keys(body), ['code', 'message'], what)
        assert.equal(body.code, res.statusCode, what)
        assert.equal(typeof body.message, 'string', what)
      } else if (res.statusCode === 204) {
        assert.equal(res.body, '', what)
      }
    }
    const carol = await w.call(
      'GET',
      `/current/notifications/${carols}`,
      await w.bearer('42', w.other),
    )
    assert.deepEqual([carol.statusCode, (carol.json() as { read: boolean }).read], [200, false])
  })
})
