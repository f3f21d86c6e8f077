import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { describeEngines, type TestHerald } from '../support/harness.ts'

const PER_PRINCIPAL = 5
const PER_ADDRESS = 5
const GARBAGE = 10_000

type Headers = Record<string, string>

/** One surface: an authenticated read, its header forms, and what its 429 and 401 look like. */
interface Case {
  name: string
  url: string
  headers(token: string, tenant: string): Headers
  /** More than PER_PRINCIPAL different header texts that all carry the same token. */
  variants(token: string, tenant: string): Headers[]
  unauthenticated: number
  limitedBody(res: LightMyRequestResponse): void
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i)
const spaces = (i: number) => ' '.repeat(i + 1)
const tm = (token: string) => Buffer.from(token).toString('base64')

const CASES: Case[] = [
  {
    name: 'native',
    url: '/v1/me/counts',
    headers: (t) => ({ authorization: `Bearer ${t}` }),
    variants: (t) =>
      range(8).map((i) => ({
        authorization: `${i % 2 ? 'bearer' : 'BEARER'}${spaces(i)}${t}${spaces(i)}`,
      })),
    unauthenticated: 401,
    limitedBody: (res) => assert.equal(res.json().error.code, 'RATE_LIMITED'),
  },
  {
    name: 'tasking-manager',
    url: '/compat/tasking-manager/api/v2/notifications/queries/own/count-unread/',
    headers: (t) => ({ authorization: `Token ${tm(t)}` }),
    // Python's lenient base64 drops characters outside the alphabet: the same token each time.
    variants: (t) =>
      range(8).map((i) => ({
        authorization: `Token ${tm(t).slice(0, i + 4)}!${tm(t).slice(i + 4)}`,
      })),
    unauthenticated: 401,
    limitedBody: (res) => assert.deepEqual(res.json(), { detail: 'Too Many Requests' }),
  },
  {
    name: 'ondi',
    url: '/compat/ondi/messaging/notifications/stats',
    headers: (t) => ({ authorization: `Bearer ${t}` }),
    variants: (t) => range(8).map((i) => ({ authorization: `Bearer${spaces(i)}${t}${spaces(i)}` })),
    unauthenticated: 401,
    limitedBody: (res) =>
      assert.deepEqual(res.json(), { success: false, message: 'Too many requests' }),
  },
  {
    name: 'mantle2',
    url: '/compat/mantle2/v2/users/current/notifications',
    headers: (t) => ({ authorization: `Bearer ${t}` }),
    variants: (t) => range(8).map((i) => ({ authorization: `bearer ${t}${spaces(i)}` })),
    unauthenticated: 401,
    limitedBody: (res) => assert.deepEqual(res.json(), { code: 429, message: 'Too Many Requests' }),
  },
  {
    name: 'productive',
    url: '/compat/productive/api/v2/notifications',
    headers: (t, tenant) => ({ 'x-auth-token': t, 'x-organization-id': tenant }),
    // An extra header of another scheme changes nothing about who is calling.
    variants: (t, tenant) =>
      range(8).map((i) => ({
        'x-auth-token': `${spaces(i)}${t}`,
        'x-organization-id': tenant,
        authorization: `Basic ${i}`,
      })),
    unauthenticated: 401,
    limitedBody: (res) => assert.equal(res.json().errors[0].status, 429),
  },
  {
    name: 'kendo',
    url: '/compat/kendo/api/notifications',
    headers: (t) => ({ authorization: `Bearer ${t}` }),
    // Laravel's bearerToken() stops at a comma: everything after it is noise.
    variants: (t) => range(8).map((i) => ({ authorization: `Bearer ${t},v${i}` })),
    unauthenticated: 401,
    limitedBody: (res) => assert.deepEqual(res.json(), { message: 'Too Many Attempts.' }),
  },
]

let addresses = 0
/** A fresh client address label for in-process requests (nothing is sent anywhere). */
const freshAddress = () => {
  const n = ++addresses
  return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`
}

function assertLimited(c: Case, res: LightMyRequestResponse, why: string) {
  assert.equal(res.statusCode, 429, `${c.name}: ${why}: ${res.body}`)
  assert.match(String(res.headers['retry-after']), /^\d+$/, `${c.name}: Retry-After`)
  c.limitedBody(res)
}

describeEngines(
  'rate limits on every surface',
  (get) => {
    const call = (h: TestHerald, c: Case, headers: Headers, remoteAddress: string) =>
      h.app.inject({ method: 'GET', url: c.url, headers, remoteAddress } as InjectOptions)
    /** A tenant that exists (Ondi answers 404 for a tenant it has never seen). */
    const tenantOf = async (h: TestHerald) => {
      const tenant = h.tenant()
      await h.apiKey(tenant)
      return tenant
    }

    for (const c of CASES) {
      test(`${c.name}: failed authentications are limited by address, in the surface's shape`, async () => {
        const h = get()
        const tenant = await tenantOf(h)
        const known = await h.token({ tenant, user: 'resident' })
        const attacker = freshAddress()
        // A caller verified from this address before the attack is not locked out by it.
        assert.equal((await call(h, c, c.headers(known, tenant), attacker)).statusCode, 200)
        for (const i of range(PER_ADDRESS)) {
          const res = await call(h, c, c.headers(`garbage.${i}.token`, tenant), attacker)
          assert.equal(res.statusCode, c.unauthenticated, `${c.name}: guess ${i}: ${res.body}`)
        }
        assertLimited(
          c,
          await call(h, c, c.headers('garbage.last.token', tenant), attacker),
          'guess past the limit',
        )
        const fresh = await h.token({ tenant, user: 'newcomer' })
        assertLimited(
          c,
          await call(h, c, c.headers(fresh, tenant), attacker),
          'an unverified credential from a limited address',
        )
        assert.equal((await call(h, c, c.headers(known, tenant), attacker)).statusCode, 200)
        const elsewhere = await call(h, c, c.headers('garbage.other.token', tenant), freshAddress())
        assert.equal(elsewhere.statusCode, c.unauthenticated, 'another address is not limited')
      })

      test(`${c.name}: varying the text of one credential does not reset its limit`, async () => {
        const h = get()
        const tenant = await tenantOf(h)
        const token = await h.token({ tenant, user: 'varied' })
        const [first, ...rest] = c.variants(token, tenant)
        assert.ok(first && rest.length >= PER_PRINCIPAL)
        const address = freshAddress()
        for (const [i, headers] of [first, ...rest].slice(0, PER_PRINCIPAL).entries()) {
          const res = await call(h, c, headers, address)
          assert.equal(res.statusCode, 200, `${c.name}: variant ${i}: ${res.body}`)
        }
        for (const headers of rest.slice(PER_PRINCIPAL - 1)) {
          assertLimited(c, await call(h, c, headers, freshAddress()), 'a variant past the limit')
        }
        const other = await h.token({ tenant, user: 'someone-else' })
        assert.equal((await call(h, c, c.headers(other, tenant), address)).statusCode, 200)
      })
    }

    test('X-Forwarded-For from an untrusted peer does not change the address counted', async () => {
      const h = get()
      const address = freshAddress()
      const guess = (i: number) =>
        h.app.inject({
          method: 'GET',
          url: '/v1/me/counts',
          headers: { authorization: `Bearer guess.${i}.x`, 'x-forwarded-for': `127.9.9.${i}` },
          remoteAddress: address,
        } as InjectOptions)
      for (const i of range(PER_ADDRESS)) assert.equal((await guess(i)).statusCode, 401)
      assert.equal((await guess(PER_ADDRESS)).statusCode, 429)
    })

    // Every surface shares one limiter: one flood, spread over all of them, shows for each that
    // garbage cannot push its limited principal out of the limiter's bounded memory.
    test(`${GARBAGE} distinct garbage credentials do not free a limited principal on any surface`, async () => {
      const h = get()
      const limited: Array<{ c: Case; headers: Headers }> = []
      for (const c of CASES) {
        const tenant = await tenantOf(h)
        const headers = c.headers(await h.token({ tenant, user: 'limited' }), tenant)
        for (const _ of range(PER_PRINCIPAL)) await call(h, c, headers, freshAddress())
        assertLimited(c, await call(h, c, headers, freshAddress()), 'before the flood')
        limited.push({ c, headers })
      }
      const refused = new Map<string, number>()
      for (const i of range(GARBAGE)) {
        const { c } = limited[i % limited.length] as (typeof limited)[number]
        const res = await call(h, c, c.headers(`eyJ.${i}.garbage`, 'x'), freshAddress())
        if (res.statusCode === c.unauthenticated)
          refused.set(c.name, (refused.get(c.name) ?? 0) + 1)
      }
      assert.equal(
        [...refused.values()].reduce((a, b) => a + b, 0),
        GARBAGE,
        'all refused',
      )
      for (const { c, headers } of limited) {
        assertLimited(c, await call(h, c, headers, freshAddress()), 'after the flood')
      }
    })
  },
  {
    env: {
      HERALD_RATE_LIMIT: String(PER_PRINCIPAL),
      HERALD_RATE_LIMIT_ADDRESS: String(PER_ADDRESS),
      // An hour: the garbage flood takes well over the default minute on a loaded machine, and a
      // window that ended meanwhile would free the limited principals for a reason of its own.
      HERALD_RATE_WINDOW_MS: String(3_600_000),
    },
  },
)
