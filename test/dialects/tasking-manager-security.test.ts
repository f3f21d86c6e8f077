import assert from 'node:assert/strict'
import { test } from 'node:test'
import { badCredentials, notUserTokens } from '../support/credentials.ts'
import { seeded } from '../support/fuzz.ts'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'

const P = '/compat/tasking-manager/api/v2/notifications'
const b64 = (s: string) => Buffer.from(s).toString('base64')

type Method = 'GET' | 'POST' | 'DELETE'
const ROUTES: Array<[Method, string]> = [
  ['GET', '/'],
  ['GET', '/1/'],
  ['DELETE', '/1/'],
  ['GET', '/queries/own/count-unread/'],
  ['POST', '/queries/own/post-unread/'],
  ['DELETE', '/delete-multiple/'],
  ['DELETE', '/delete-all/'],
  ['POST', '/mark-as-read-all/'],
  ['POST', '/mark-as-read-multiple/'],
]

async function call(h: TestHerald, method: string, path: string, headers = {}, payload?: string) {
  const res = await h.app.inject({
    method: method as Method,
    url: `${P}${path}`,
    headers,
    ...(payload === undefined ? {} : { payload }),
  })
  return res
}

/** True when a 4xx is in one of the shapes Tasking Manager answers with. */
function tmShaped(status: number, contentType: string, body: string): boolean {
  if (status === 400 && contentType.startsWith('text/plain')) {
    return body === 'Invalid auth credentials'
  }
  const j = JSON.parse(body) as Record<string, unknown>
  if (typeof j.detail === 'string') return true
  if (Array.isArray(j.detail)) {
    return j.detail.every(
      (d: Record<string, unknown>) =>
        typeof d.type === 'string' && Array.isArray(d.loc) && typeof d.msg === 'string',
    )
  }
  if (typeof j.Error === 'string' && typeof j.SubCode === 'string') return true
  const e = j.error as Record<string, unknown> | undefined
  return e?.code === status && typeof e.sub_code === 'string' && typeof e.message === 'string'
}

describeEngines('tasking-manager dialect: credentials, isolation, fuzz', (get) => {
  test('every route: missing, wrong scheme, malformed, forged, expired, alg none, API key', async () => {
    const h = get()
    const c = await badCredentials(h, { tenant: h.tenant(), user: '5' })
    const invalid = { Error: 'Token is expired or invalid', SubCode: 'InvalidToken' }
    const scheme = {
      error: {
        code: 401,
        sub_code: 'UNKNOWN_ERROR',
        message: 'Invalid authentication scheme',
        details: {},
      },
    }
    for (const [method, path] of ROUTES) {
      const where = `${method} ${path}`
      const missing = await call(h, method, path)
      assert.equal(missing.statusCode, 403, where)
      assert.deepEqual(missing.json(), { detail: 'Not authenticated' }, where)
      const bearer = await call(h, method, path, { authorization: `Bearer ${c.user}` })
      assert.equal(bearer.statusCode, 401, where)
      assert.deepEqual(bearer.json(), scheme, where)
      for (const bad of ['Token abc', 'Token a b', 'Token', '']) {
        const res = await call(h, method, path, { authorization: bad })
        assert.equal(res.statusCode, 400, `${where} ${bad}`)
        assert.match(String(res.headers['content-type']), /^text\/plain/)
        assert.equal(res.body, 'Invalid auth credentials')
      }
      for (const [name, cred] of notUserTokens(c)) {
        const res = await call(h, method, path, { authorization: `Token ${b64(cred)}` })
        assert.equal(res.statusCode, 401, `${where} ${name}`)
        assert.deepEqual(res.json(), invalid)
        assert.equal(res.headers['www-authenticate'], 'Bearer')
      }
    }
  })

  test("another user's and another tenant's messages: refused or ignored, never changed", async () => {
    const h = get()
    const t1 = h.tenant()
    const t2 = h.tenant()
    const push = async (tenant: string, user: string) => {
      const r = await send(h, await h.apiKey(tenant), {
        to: { users: [user] },
        type: 'system',
        title: 'T',
      })
      return (r.json.notifications as Array<{ id: number }>)[0]?.id ?? 0
    }
    const bobs = await push(t1, '6')
    const foreign = await push(t2, '5')
    const mine = await push(t1, '5')
    const me = `Token ${b64(await h.token({ tenant: t1, user: '5' }))}`
    const as = (method: string, path: string, payload?: unknown) =>
      call(
        h,
        method,
        path,
        { authorization: me, 'content-type': 'application/json' },
        payload === undefined ? undefined : JSON.stringify(payload),
      )

    for (const method of ['GET', 'DELETE']) {
      const other = await as(method, `/${bobs}/`)
      assert.equal(other.statusCode, 403)
      assert.deepEqual(other.json(), {
        Error: ` User 5 attempting to access another user's message ${bobs}`,
        SubCode: 'AccessOtherUserMessage',
      })
      const cross = await as(method, `/${foreign}/`)
      assert.equal(cross.statusCode, 404, 'another tenant is invisible: not found')
      assert.equal(cross.json().error.sub_code, 'MESSAGE_NOT_FOUND')
    }
    await as('POST', '/mark-as-read-multiple/', { messageIds: [bobs, foreign] })
    await as('POST', '/mark-as-read-all/')
    await as('DELETE', '/delete-multiple/', { messageIds: [bobs, foreign] })
    const list = (await as('GET', '/')).json()
    assert.deepEqual(
      list.userMessages.map((m: { messageId: number }) => m.messageId),
      [mine],
    )
    await as('DELETE', '/delete-all/')

    const state = async (tenant: string, user: string, id: number) => {
      const token = await h.token({ tenant, user })
      const res = await h.app.inject({
        url: `/v1/me/notifications/${id}`,
        headers: { authorization: `Bearer ${token}` },
      })
      return res.statusCode === 200 ? res.json().read : 'gone'
    }
    assert.equal(await state(t1, '6', bobs), false, "bob's message: still there, unread")
    assert.equal(await state(t2, '5', foreign), false, "other tenant's: still there, unread")
    assert.equal(await state(t1, '5', mine), 'gone', 'my own delete-all worked')
  })

  test('too large a body is a 413 in Starlette shape; the routes stay out of OpenAPI', async () => {
    const h = get()
    const me = `Token ${b64(await h.token({ tenant: h.tenant(), user: '5' }))}`
    const huge = JSON.stringify({ messageIds: Array.from({ length: 400_000 }, () => 1234567) })
    const res = await call(h, 'DELETE', '/delete-multiple/', { authorization: me }, huge)
    assert.equal(res.statusCode, 413)
    assert.deepEqual(res.json(), { detail: 'Request Entity Too Large' })
    const doc = (await h.app.inject({ url: '/openapi.json' })).json() as { paths: object }
    assert.ok(Object.keys(doc.paths).length > 0)
    assert.ok(!Object.keys(doc.paths).some((p) => p.includes('tasking-manager')))
  })

  test('fuzz: odd queries and bodies on every route never 5xx; every 4xx is TM-shaped', async () => {
    const h = get()
    const tenant = h.tenant()
    const key = await h.apiKey(tenant)
    for (const type of ['system', 'broadcast', 'weird']) {
      await send(h, key, {
        to: { users: ['5'] },
        type,
        title: 'T',
        actor: { id: '3', username: 'x%' },
      })
    }
    const me = `Token ${b64(await h.token({ tenant, user: '5' }))}`
    const { next: rand, pick } = seeded(0x7e57ab1e)
    const atoms = [
      '',
      '0',
      '-1',
      '1',
      '2,3',
      '1,,2',
      ' 7 ',
      'abc',
      '%',
      '_',
      '\\',
      '1e3',
      '99999999999999999999',
      'asc',
      'DESC',
      'read',
      'unread',
      '%00',
      '%E2%82%AC',
      'null',
      '[]',
      '{}',
      '1.5',
      '+4',
      "'",
      '"',
    ]
    const keys = [
      'messageType',
      'from',
      'project',
      'taskId',
      'status',
      'sortBy',
      'sortDirection',
      'page',
      'pageSize',
      'x',
      'messageType[]',
    ]
    const bodies = [
      '',
      '{',
      'null',
      '[]',
      '"s"',
      '{"messageIds":null}',
      '{"messageIds":[1,"2",true]}',
      '{"messageIds":[-1,0,1e400]}',
      '{"messageIds":[99999999999999999999]}',
      '{"messageIds":{}}',
      '{"messageIds":[[1]]}',
      '\u0000',
      '{"messageIds":[1]}',
    ]
    const paths = [
      ...ROUTES.map(([, p]) => p),
      '/-1/',
      '/1e3/',
      '/%20/',
      '/99999999999999999999/',
      '/x',
      '/queries/own/',
      '/1/extra/',
    ]
    const methods = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH']
    const probe = async (
      method: string,
      url: string,
      headers: Record<string, string>,
      body?: string,
    ) => {
      const res = await call(h, method, url, headers, body)
      const where = `${method} ${url} ${JSON.stringify(body)}`
      assert.ok(res.statusCode < 500, `${where} -> ${res.statusCode} ${res.body}`)
      if (res.statusCode >= 400) {
        const type = String(res.headers['content-type'] ?? '')
        assert.ok(tmShaped(res.statusCode, type, res.body), `${where} -> ${res.body}`)
      }
    }
    // Every list parameter with every odd value once (a NUL in `from` once reached SQL as a 500).
    for (const k of keys) {
      for (const a of atoms) await probe('GET', `/?${k}=${a}`, { authorization: me })
    }
    for (let i = 0; i < 250; i++) {
      const q = Array.from(
        { length: Math.floor(rand() * 4) },
        () => `${pick(keys)}=${pick(atoms)}`,
      ).join('&')
      const path = pick(paths)
      const method =
        rand() < 0.7 ? (ROUTES.find(([, p]) => p === path)?.[0] ?? pick(methods)) : pick(methods)
      const body = method === 'GET' ? undefined : pick(bodies)
      const headers: Record<string, string> = {
        authorization:
          rand() < 0.9 ? me : pick(['Token ', 'Token %%%', 'Basic x', `Token ${b64('x.y.z')}`]),
      }
      if (body !== undefined) {
        headers['content-type'] = pick(['application/json', 'text/plain', 'text/html'])
      }
      await probe(method, `${path}${q ? `?${q}` : ''}`, headers, body)
    }
  })
})
