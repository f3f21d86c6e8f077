import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines, type TestHerald } from '../support/harness.ts'
import { world as tenantWorld } from '../support/world.ts'

const P = '/compat/mantle2/v2/users'
type Headers = Record<string, string>
const hex = (uuid: string) => uuid.replaceAll('-', '')
const CREATE = '{"title":"t","description":"d"}'

/** Alice (42), bob (43), an admin by record (7); token admins are minted with `--admin`. */
async function world(h: TestHerald) {
  const w = await tenantWorld(h, {
    notification: { type: 'info', title: 'T' },
    profiles: {
      '42': { username: 'alice' },
      '43': { username: 'bob' },
      '7': { username: 'boss', admin: true },
    },
  })
  const bearer = async (user: string, admin = false): Promise<Headers> => ({
    authorization: `Bearer ${await w.token(user, { admin })}`,
  })
  const seed = async (user: string) => hex((await w.seed(user)).uuid)
  const call = (method: string, url: string, headers: Headers, payload?: string) =>
    h.app.inject({ method: method as 'GET', url: `${P}${url}`, headers, payload })
  const list = async (user: string) =>
    (await call('GET', '/current/notifications', await bearer(user))).json()
  return { tenant: w.tenant, bearer, seed, call, list }
}

/** Every change a caller can make to `who`'s inbox, for a notification id of it. */
const changes = (who: string, id: string): Array<[string, string, string, string?]> => [
  ['mark_read', 'POST', `/${who}/notifications/${id}/mark_read`],
  ['mark_unread', 'POST', `/${who}/notifications/${id}/mark_unread`],
  ['mark_all_read', 'POST', `/${who}/notifications/mark_all_read`],
  ['mark_all_unread', 'POST', `/${who}/notifications/mark_all_unread`],
  ['delete', 'DELETE', `/${who}/notifications/${id}`],
  ['create', 'POST', `/${who}/notifications`, CREATE],
  ['clear', 'DELETE', `/${who}/notifications/clear`],
]

/** The log lines a Herald wrote, parsed. */
function logCapture() {
  const lines: Array<Record<string, unknown>> = []
  return { lines, stream: { write: (line: string) => void lines.push(JSON.parse(line)) } }
}

const logs = logCapture()
const onBehalf = () =>
  logs.lines.filter((l) => l.onBehalf !== undefined).map((l) => [l.level, l.onBehalf])

describeEngines(
  'mantle2 admin reach on',
  (get) => {
    test('an admin by record or by token reads and changes another inbox, each change logged', async () => {
      const w = await world(get())
      for (const [admin, headers] of [
        ['7', await w.bearer('7')],
        ['77', await w.bearer('77', true)],
      ] as const) {
        logs.lines.length = 0
        const id = await w.seed('42')
        const read = await w.call('GET', '/42/notifications', headers)
        assert.equal(read.statusCode, 200, read.body)
        assert.ok(read.json().items.some((n: { id: string }) => n.id === id))
        const one = await w.call('GET', `/@alice/notifications/${id}`, headers)
        assert.equal(one.statusCode, 200, one.body)
        const expected: unknown[] = []
        for (const [action, method, url, body] of changes('42', id)) {
          const res = await w.call(method, url, headers, body)
          assert.ok([201, 204].includes(res.statusCode), `${action}: ${res.statusCode} ${res.body}`)
          // pino's info level is 30.
          expected.push([30, { tenant: w.tenant, admin, target: '42', action }])
        }
        assert.deepEqual(onBehalf(), expected)
        assert.equal((await w.list('42')).total, 0, 'cleared on alice’s behalf')
      }
    })

    test('a change to one’s own inbox, and a refused one, log no on-behalf line', async () => {
      const w = await world(get())
      logs.lines.length = 0
      const id = await w.seed('42')
      const alice = await w.bearer('42')
      assert.equal(
        (await w.call('POST', `/42/notifications/${id}/mark_read`, alice)).statusCode,
        204,
      )
      assert.equal((await w.call('DELETE', '/current/notifications/clear', alice)).statusCode, 204)
      const bob = await w.bearer('43')
      assert.equal((await w.call('DELETE', '/42/notifications/clear', bob)).statusCode, 403)
      assert.deepEqual(onBehalf(), [])
    })
  },
  { env: { HERALD_ADMIN_REACH: 'on', LOG_LEVEL: 'info' }, logger: logs.stream },
)

describeEngines(
  'mantle2 admin reach off',
  (get) => {
    test('an admin is answered as a non-admin on another inbox, and changes nothing', async () => {
      const w = await world(get())
      const id = await w.seed('42')
      const reads: Array<[string, string]> = [
        ['GET', '/42/notifications'],
        ['GET', `/@alice/notifications/${id}`],
      ]
      const all = [...reads.map(([m, u]) => ['read', m, u] as const), ...changes('42', id)]
      for (const caller of [
        await w.bearer('7'),
        await w.bearer('77', true),
        await w.bearer('43'),
      ]) {
        for (const [what, method, url, body] of all) {
          const res = await w.call(method, url, caller, body)
          assert.deepEqual(
            [res.statusCode, res.json()],
            [403, { code: 403, message: 'Forbidden' }],
            `${what} ${url}`,
          )
        }
      }
      const left = await w.list('42')
      assert.deepEqual(
        [left.total, left.items[0].id, left.items[0].read],
        [1, id, false],
        'alice’s inbox is untouched',
      )
    })

    test('an admin still reaches their own inbox, and may still create there', async () => {
      const w = await world(get())
      const boss = await w.bearer('7')
      const mine = await w.seed('7')
      assert.equal((await w.call('GET', '/7/notifications', boss)).statusCode, 200)
      assert.equal(
        (await w.call('POST', `/7/notifications/${mine}/mark_read`, boss)).statusCode,
        204,
      )
      const made = await w.call('POST', '/@boss/notifications', boss, CREATE)
      assert.equal(made.statusCode, 201, made.body)
    })
  },
  { env: { HERALD_ADMIN_REACH: 'off' } },
)
