import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { describeEngines, type TestHerald } from '../support/harness.ts'

// The service's clock runs this far ahead of the real one: tests move time on instead of waiting.
let ahead = 0
const clock = () => new Date(Date.now() + ahead)
const SECOND = 1000

interface KeyInfo {
  id: string
  name: string | null
  createdAt: string
  lastUsedAt: string | null
  expiresAt: string | null
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` })
const idOf = (key: string) => key.slice(3, key.indexOf('.'))

/** A producer request that needs a working key and changes nothing. */
const use = async (h: TestHerald, key: string) =>
  (await h.app.inject({ url: '/v1/users', headers: bearer(key) })).statusCode

const list = async (h: TestHerald, key: string, query = '') => {
  const res = await h.app.inject({ url: `/v1/api-keys${query}`, headers: bearer(key) })
  assert.equal(res.statusCode, 200, res.body)
  return res.json() as { items: KeyInfo[]; next: string | null }
}

const create = async (h: TestHerald, key: string, name?: string) => {
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: bearer(key),
    payload: name === undefined ? {} : { name },
  })
  assert.equal(res.statusCode, 201, res.body)
  return res.json() as { id: string; key: string }
}

const revoke = (h: TestHerald, key: string, id: string) =>
  h.app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers: bearer(key) })

const rotate = (h: TestHerald, key: string, id: string, payload?: Record<string, unknown>) =>
  h.app.inject({
    method: 'POST',
    url: `/v1/api-keys/${id}/rotate`,
    headers: bearer(key),
    ...(payload === undefined ? {} : { payload }),
  })

describeEngines(
  'native: API keys an operator manages',
  (get) => {
    test('list shows id, name, created and last-used times, never a secret or a hash', async () => {
      const h = get()
      const tenant = h.tenant()
      const admin = await h.apiKey(tenant)
      const ci = await create(h, admin, 'ci')
      const before = clock().getTime()
      assert.equal(await use(h, ci.key), 200)
      const page = await list(h, admin)
      assert.deepEqual(page.items.map((k) => k.id).sort(), [idOf(admin), ci.id].sort())
      assert.equal(page.next, null)
      for (const k of page.items) {
        assert.deepEqual(Object.keys(k).sort(), [
          'createdAt',
          'expiresAt',
          'id',
          'lastUsedAt',
          'name',
        ])
        assert.equal(k.expiresAt, null)
      }
      const listed = page.items.find((k) => k.id === ci.id)
      assert.ok(listed)
      assert.equal(listed.name, 'ci')
      assert.ok(Date.parse(listed.createdAt) <= before)
      assert.ok(listed.lastUsedAt && Date.parse(listed.lastUsedAt) >= before)
      const text = JSON.stringify(page)
      for (const key of [admin, ci.key]) {
        const secret = key.slice(key.indexOf('.') + 1)
        assert.ok(!text.includes(secret), 'a secret is listed')
        assert.ok(!text.includes(createHash('sha256').update(secret).digest('hex')), 'a hash')
      }
    })

    test('last use is written at most once a minute, not per request', async () => {
      const h = get()
      const key = await h.apiKey(h.tenant())
      assert.equal(await use(h, key), 200)
      const first = (await list(h, key)).items[0]?.lastUsedAt
      assert.ok(first)
      for (let i = 0; i < 3; i++) assert.equal(await use(h, key), 200)
      assert.equal((await list(h, key)).items[0]?.lastUsedAt, first, 'rewritten within a minute')
      ahead += 61 * SECOND
      assert.equal(await use(h, key), 200)
      const later = (await list(h, key)).items[0]?.lastUsedAt
      assert.ok(later && Date.parse(later) >= Date.parse(first) + 60 * SECOND, `${later}`)
    })

    test('a revoked key is refused at once, even while it was remembered', async () => {
      const h = get()
      const tenant = h.tenant()
      const admin = await h.apiKey(tenant)
      const doomed = await create(h, admin, 'leaked')
      assert.equal(await use(h, doomed.key), 200)
      assert.ok(h.auth.known(doomed.key), 'the key should be remembered before the revocation')
      const res = await revoke(h, admin, doomed.id)
      assert.equal(res.statusCode, 204, res.body)
      assert.equal(h.auth.known(doomed.key), null)
      assert.equal(await use(h, doomed.key), 401)
      assert.deepEqual(
        (await list(h, admin)).items.map((k) => k.id),
        [idOf(admin)],
      )
      assert.equal((await revoke(h, admin, doomed.id)).statusCode, 404)
      assert.equal(await use(h, admin), 200, 'the other key is untouched')
    })

    test('when the bus may have lost messages, every remembered key is verified again', async () => {
      const h = get()
      const key = await h.apiKey(h.tenant())
      assert.equal(await use(h, key), 200)
      assert.ok(h.auth.known(key))
      const bus = h.core.events as { gap?: () => void }
      assert.ok(bus.gap, 'the suite runs on the in-process bus')
      bus.gap()
      assert.equal(h.auth.known(key), null)
      assert.equal(await use(h, key), 200)
    })

    test('a key may revoke itself; its next request is refused', async () => {
      const h = get()
      const key = await h.apiKey(h.tenant())
      assert.equal((await revoke(h, key, idOf(key))).statusCode, 204)
      assert.equal(await use(h, key), 401)
    })

    test('rotate: the new key works, the old one during the overlap and not after', async () => {
      const h = get()
      const tenant = h.tenant()
      const old = await create(h, await h.apiKey(tenant), 'backend')
      assert.equal(await use(h, old.key), 200)
      const res = await rotate(h, old.key, old.id, { overlapSeconds: 3600 })
      assert.equal(res.statusCode, 201, res.body)
      const next = res.json() as { id: string; key: string; previous: { expiresAt: string } }
      assert.equal(next.id, idOf(next.key))
      const expected = clock().getTime() + 3600 * SECOND
      assert.ok(Math.abs(Date.parse(next.previous.expiresAt) - expected) < 5 * SECOND)
      assert.equal(await use(h, next.key), 200)
      assert.equal(await use(h, old.key), 200, 'the old key works during the overlap')
      const listed = (await list(h, next.key)).items
      assert.equal(listed.find((k) => k.id === old.id)?.expiresAt, next.previous.expiresAt)
      assert.equal(listed.find((k) => k.id === next.id)?.name, 'backend', 'the name carries on')
      const again = await rotate(h, next.key, old.id)
      assert.equal(again.statusCode, 409, again.body)
      assert.equal(again.json().error.code, 'CONFLICT')

      ahead += 3601 * SECOND
      assert.equal(await use(h, old.key), 401, 'the old key works no more after the overlap')
      assert.equal(await use(h, next.key), 200)
      assert.deepEqual((await list(h, next.key)).items.map((k) => k.id).includes(old.id), false)
      assert.equal((await rotate(h, next.key, old.id)).statusCode, 404, 'an expired key is gone')
    })

    test('rotate with no overlap stops the old key now; the default overlap is a day', async () => {
      const h = get()
      const tenant = h.tenant()
      const key = await h.apiKey(tenant)
      assert.equal(await use(h, key), 200)
      const now = await rotate(h, key, idOf(key), { overlapSeconds: 0, name: 'fresh' })
      assert.equal(now.statusCode, 201, now.body)
      const fresh = now.json() as { key: string; id: string }
      assert.equal(await use(h, key), 401)
      assert.equal(await use(h, fresh.key), 200)
      assert.equal((await list(h, fresh.key)).items[0]?.name, 'fresh')

      const before = clock().getTime()
      const byDefault = await rotate(h, fresh.key, fresh.id)
      assert.equal(byDefault.statusCode, 201, byDefault.body)
      const until = Date.parse(byDefault.json().previous.expiresAt)
      assert.ok(Math.abs(until - (before + 86_400 * SECOND)) < 5 * SECOND, `${until - before}`)
      assert.equal(await use(h, fresh.key), 200)
    })

    test("another tenant's key ids are 404 and change nothing", async () => {
      const h = get()
      const a = await h.apiKey(h.tenant())
      const b = await h.apiKey(h.tenant())
      const listA = await list(h, a)
      const listB = await list(h, b)
      assert.ok(!listB.items.some((k) => k.id === idOf(a)), "B lists A's key")
      const gone = await revoke(h, b, idOf(a))
      assert.equal(gone.statusCode, 404, gone.body)
      assert.equal(gone.json().error.code, 'NOT_FOUND')
      const turned = await rotate(h, b, idOf(a), { overlapSeconds: 0 })
      assert.equal(turned.statusCode, 404, turned.body)
      assert.equal(await use(h, a), 200)
      assert.deepEqual(await list(h, a), listA)
      assert.deepEqual(
        (await list(h, b)).items.map((k) => k.id),
        listB.items.map((k) => k.id),
      )
    })

    test('pages of keys, oldest first, with an opaque cursor', async () => {
      const h = get()
      const first = await h.apiKey(h.tenant())
      const made = [idOf(first)]
      for (const name of ['two', 'three']) made.push((await create(h, first, name)).id)
      const one = await list(h, first, '?limit=2')
      assert.equal(one.items.length, 2)
      assert.ok(one.next)
      const two = await list(h, first, `?limit=2&cursor=${one.next}`)
      assert.equal(two.next, null)
      assert.deepEqual([...one.items, ...two.items].map((k) => k.id).sort(), [...made].sort())
      const times = [...one.items, ...two.items].map((k) => Date.parse(k.createdAt))
      assert.deepEqual(
        times,
        [...times].sort((x, y) => x - y),
      )
    })

    test('bad input is a 400 that changes nothing; other credentials are refused', async () => {
      const h = get()
      const tenant = h.tenant()
      const key = await h.apiKey(tenant)
      const id = idOf(key)
      const cases: Array<[string, Promise<{ statusCode: number; body: string }>]> = [
        ['the key itself in the path', revoke(h, key, encodeURIComponent(key))],
        ['a negative overlap', rotate(h, key, id, { overlapSeconds: -1 })],
        ['an overlap past 30 days', rotate(h, key, id, { overlapSeconds: 31 * 86_400 })],
        ['an overlap that is no number', rotate(h, key, id, { overlapSeconds: 'soon' })],
        ['an unknown field', rotate(h, key, id, { overlap: 5 })],
        ['a name too long', rotate(h, key, id, { name: 'x'.repeat(257) })],
        [
          'a cursor never issued',
          h.app.inject({ url: '/v1/api-keys?cursor=bm9wZQ', headers: bearer(key) }),
        ],
        [
          'a limit too large',
          h.app.inject({ url: '/v1/api-keys?limit=101', headers: bearer(key) }),
        ],
      ]
      for (const [what, pending] of cases) {
        const res = await pending
        assert.equal(res.statusCode, 400, `${what}: ${res.body}`)
      }
      const token = await h.token({ tenant, user: 'alice' })
      assert.equal((await revoke(h, token, id)).statusCode, 403)
      assert.equal((await rotate(h, token, id)).statusCode, 403)
      assert.equal(
        (await h.app.inject({ url: '/v1/api-keys', headers: bearer(token) })).statusCode,
        403,
      )
      assert.equal(
        (await h.app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}` })).statusCode,
        401,
      )
      const items = (await list(h, key)).items
      assert.deepEqual(
        items.map((k) => [k.id, k.expiresAt]),
        [[id, null]],
      )
      assert.equal(await use(h, key), 200)
    })
  },
  { clock },
)
