import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'
import { world } from '../support/world.ts'

/** Counts every statement the store runs (the Kysely executor every query goes through). */
function statements(h: TestHerald) {
  const executor = h.storage.db.getExecutor() as unknown as {
    executeQuery: (...args: unknown[]) => unknown
  }
  const original = executor.executeQuery
  let n = 0
  executor.executeQuery = function (this: unknown, ...args: unknown[]) {
    n++
    return original.apply(this, args)
  }
  return {
    get count() {
      return n
    },
    restore() {
      executor.executeQuery = original
    },
  }
}

const as = (h: TestHerald, token: string) => ({
  get: (url: string, etag?: string) =>
    h.app.inject({
      url,
      headers: { authorization: `Bearer ${token}`, ...(etag ? { 'if-none-match': etag } : {}) },
    }),
  post: (url: string, payload?: object) =>
    h.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, payload }),
  del: (url: string) =>
    h.app.inject({ method: 'DELETE', url, headers: { authorization: `Bearer ${token}` } }),
})

/** A moving clock: tests move it past a version's lifetime instead of waiting. */
let now = Date.parse('2026-06-01T12:00:00Z')
const LIFETIME_S = 600

const COUNTS = '/v1/me/counts?cap=99'
const FIRST_PAGE = '/v1/me/notifications?limit=5'

describeEngines(
  'native inbox: conditional polling',
  (get) => {
    /** The tag of `url` now (a 200), checking the headers every pollable answer carries. */
    async function tagOf(c: ReturnType<typeof as>, url: string): Promise<string> {
      const res = await c.get(url)
      assert.equal(res.statusCode, 200, res.body)
      const tag = res.headers.etag
      assert.ok(typeof tag === 'string' && /^W\/"[A-Za-z0-9_-]{27}"$/.test(tag), String(tag))
      assert.equal(res.headers['x-poll-interval'], '7')
      return tag
    }

    /** Asserts `tag` is stale for `url`: a 200 with a body and a new tag, which it returns. */
    async function moved(c: ReturnType<typeof as>, url: string, tag: string, why: string) {
      const res = await c.get(url, tag)
      assert.equal(res.statusCode, 200, `${why}: ${res.body}`)
      assert.ok(res.body.length > 0)
      assert.notEqual(res.headers.etag, tag, why)
      return res.headers.etag as string
    }

    test('the same tag again is 304 with no body and no statement; both routes, both tags', async () => {
      const h = get()
      const { key, tokens } = await world(h, { users: ['ann'] })
      await send(h, key, { to: { users: ['ann'] }, type: 'comment', title: 'Hi' })
      const ann = as(h, tokens.ann)
      for (const url of [COUNTS, FIRST_PAGE]) {
        const tag = await tagOf(ann, url)
        const spy = statements(h)
        try {
          const first = await ann.get(url)
          assert.ok(spy.count > 0, 'the spy sees the statements of a 200')
          assert.equal(first.headers.etag, tag, 'nothing changed: the same tag')
          const before = spy.count
          const res = await ann.get(url, tag)
          assert.equal(res.statusCode, 304, url)
          assert.equal(res.body, '')
          assert.equal(res.headers['content-length'], undefined)
          assert.equal(res.headers.etag, tag)
          assert.equal(res.headers['x-poll-interval'], '7')
          assert.equal(res.headers['cache-control'], 'no-store')
          assert.equal(spy.count, before, `a 304 runs no statement (${url})`)
          // A list of tags, a strong form of it, and `*` all name it.
          for (const given of [`W/"nope", ${tag}`, tag.slice(2), '*']) {
            assert.equal((await ann.get(url, given)).statusCode, 304, given)
          }
          assert.equal(spy.count, before)
          assert.equal((await ann.get(url, 'W/"nope"')).statusCode, 200)
        } finally {
          spy.restore()
        }
      }
    })

    test('a send, a read, a delete, a bulk change, the checkpoint and a purge each move the tag', async () => {
      const h = get()
      const { key, tokens, seed } = await world(h, { users: ['bo'] })
      const bo = as(h, tokens.bo)
      let counts = await tagOf(bo, COUNTS)
      let page = await tagOf(bo, FIRST_PAGE)
      const step = async (why: string, change: () => Promise<unknown>) => {
        await change()
        counts = await moved(bo, COUNTS, counts, why)
        page = await moved(bo, FIRST_PAGE, page, why)
        assert.equal((await bo.get(COUNTS, counts)).statusCode, 304, `${why}: then unchanged`)
      }
      let id = 0
      await step('send', async () => {
        id = (await seed('bo', { type: 'x', title: 'one' })).id
      })
      await step('read', async () => {
        const res = await bo.post(`/v1/me/notifications/${id}/read`)
        assert.equal(res.statusCode, 200, res.body)
      })
      await step('bulk', async () => {
        const res = await bo.post('/v1/me/notifications/bulk', { action: 'unread', ids: [id] })
        assert.equal(res.json().changed, 1, res.body)
      })
      await step('checkpoint', async () => {
        const res = await h.app.inject({
          method: 'PUT',
          url: '/v1/me/checkpoint',
          headers: { authorization: `Bearer ${tokens.bo}` },
        })
        assert.equal(res.statusCode, 200, res.body)
      })
      await step('delete', async () => {
        assert.equal((await bo.del(`/v1/me/notifications/${id}`)).statusCode, 204)
      })
      await send(h, key, {
        to: { users: ['bo'] },
        type: 'x',
        title: 'expired',
        expiresAt: '2000-01-01T00:00:00Z',
      })
      counts = await moved(bo, COUNTS, counts, 'an expired send')
      page = await moved(bo, FIRST_PAGE, page, 'an expired send')
      await step('purge', async () => {
        const res = await h.app.inject({
          method: 'POST',
          url: '/v1/retention/purge',
          headers: { authorization: `Bearer ${key}` },
        })
        assert.equal(res.json().expired, 1, res.body)
      })
      await step('the user deleted', async () => {
        const res = await h.app.inject({
          method: 'DELETE',
          url: '/v1/users/bo',
          headers: { authorization: `Bearer ${key}` },
        })
        assert.equal(res.statusCode, 204, res.body)
      })
    })

    test('a send to more than 100 users (one tenant-wide event) moves every user of the tenant', async () => {
      const h = get()
      const { key, tokens } = await world(h, { users: ['cy', 'dee'] })
      const other = await world(h, { users: ['cy'] })
      const cy = as(h, tokens.cy)
      const dee = as(h, tokens.dee)
      const elsewhere = as(h, other.tokens.cy)
      const tags = [await tagOf(cy, COUNTS), await tagOf(dee, FIRST_PAGE)]
      const away = await tagOf(elsewhere, COUNTS)
      const many = Array.from({ length: 101 }, (_, i) => `u${i}`)
      const res = await send(h, key, { to: { users: [...many, 'cy'] }, type: 'x', title: 'All' })
      assert.equal(res.status, 201, JSON.stringify(res.json))
      await moved(cy, COUNTS, tags[0] as string, 'tenant-wide send, a recipient')
      await moved(dee, FIRST_PAGE, tags[1] as string, 'tenant-wide send, a user of the tenant')
      assert.equal((await elsewhere.get(COUNTS, away)).statusCode, 304, 'another tenant: unmoved')
    })

    test('tags differ by query, user and tenant; a later page has none', async () => {
      const h = get()
      const { key, tokens, token } = await world(h, { users: ['eve', 'fay'] })
      await send(h, key, { to: { users: ['eve', 'fay'] }, type: 'x', title: 'Hi' })
      await send(h, key, { to: { users: ['eve'] }, type: 'x', title: 'Again' })
      const eve = as(h, tokens.eve)
      const fay = as(h, tokens.fay)
      const tags = new Set<string>()
      for (const url of [COUNTS, '/v1/me/counts', '/v1/me/counts?read=false', FIRST_PAGE]) {
        tags.add(await tagOf(eve, url))
      }
      tags.add(await tagOf(eve, '/v1/me/notifications?limit=6'))
      assert.equal(tags.size, 5, 'each query its own tag')
      // The same query in another order is the same query.
      const a = await tagOf(eve, '/v1/me/counts?cap=99&read=false')
      assert.equal(await tagOf(eve, '/v1/me/counts?read=false&cap=99'), a)
      // Another user's tag never answers 304, even for the same query.
      const eveTag = await tagOf(eve, COUNTS)
      assert.equal((await fay.get(COUNTS, eveTag)).statusCode, 200)
      assert.notEqual(await tagOf(fay, COUNTS), eveTag)
      // The same user in another tenant (a token of two tenants naming the other one).
      const both = await token('eve', { tenants: ['elsewhere'] })
      const inOther = await h.app.inject({
        url: COUNTS,
        headers: {
          authorization: `Bearer ${both}`,
          'x-herald-tenant': 'elsewhere',
          'if-none-match': eveTag,
        },
      })
      assert.equal(inOther.statusCode, 200, inOther.body)
      assert.notEqual(inOther.headers.etag, eveTag)
      const first = await eve.get('/v1/me/notifications?limit=1')
      const cursor = first.json().nextCursor
      assert.equal(typeof cursor, 'string')
      const next = await eve.get(
        `/v1/me/notifications?limit=1&cursor=${cursor}`,
        first.headers.etag as string,
      )
      assert.equal(next.statusCode, 200)
      assert.equal(next.headers.etag, undefined, 'a later page carries no tag')
    })

    test('security: no credential is 401 and a wrong one 401, whatever If-None-Match says', async () => {
      const h = get()
      const { tokens } = await world(h, { users: ['gus'] })
      const tag = await tagOf(as(h, tokens.gus), COUNTS)
      for (const authorization of [undefined, 'Bearer nope']) {
        const res = await h.app.inject({
          url: COUNTS,
          headers: { 'if-none-match': tag, ...(authorization ? { authorization } : {}) },
        })
        assert.equal(res.statusCode, 401)
        assert.equal(res.headers.etag, undefined)
      }
    })

    test('a gap on the bus, and the lifetime of a version, make every tag stale', async () => {
      const h = get()
      const { key, tokens } = await world(h, { users: ['hal'] })
      await send(h, key, { to: { users: ['hal'] }, type: 'x', title: 'Hi' })
      const hal = as(h, tokens.hal)
      const tag = await tagOf(hal, COUNTS)
      assert.equal((await hal.get(COUNTS, tag)).statusCode, 304)
      ;(h.core.events as unknown as { gap(): void }).gap()
      const after = await moved(hal, COUNTS, tag, 'a gap')
      assert.equal((await hal.get(COUNTS, after)).statusCode, 304)
      now += LIFETIME_S * 1000
      await moved(hal, COUNTS, after, 'a lifetime later')
    })

    test('CORS: a browser may send If-None-Match and read ETag and X-Poll-Interval', async () => {
      const h = get()
      const pre = await h.app.inject({
        method: 'OPTIONS',
        url: '/v1/me/counts',
        headers: {
          origin: 'http://localhost:5173',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization, if-none-match',
        },
      })
      assert.equal(pre.statusCode, 204, pre.body)
      assert.match(String(pre.headers['access-control-allow-headers']), /If-None-Match/)
      const { tokens } = await world(h, { users: ['ida'] })
      const res = await h.app.inject({
        url: COUNTS,
        headers: { origin: 'http://localhost:5173', authorization: `Bearer ${tokens.ida}` },
      })
      assert.match(String(res.headers['access-control-expose-headers']), /ETag/)
      assert.match(String(res.headers['access-control-expose-headers']), /X-Poll-Interval/)
    })
  },
  {
    env: { HERALD_POLL_INTERVAL_S: '7', HERALD_ETAG_LIFETIME_S: String(LIFETIME_S) },
    clock: () => new Date(now),
  },
)
