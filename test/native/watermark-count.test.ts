import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { MARK_ALL_COUNT_CAP as CAP } from '../../src/core/inbox.ts'
import { describeEngines, type TestHerald } from '../support/harness.ts'
import { type World, world } from '../support/world.ts'

/**
 * What "mark all read" answers: how many it read up to MARK_ALL_COUNT_CAP, and past it the cap
 * with `capped: true` (counting them all was most of its time); every other bulk change counts
 * exactly.
 */

const as = (h: TestHerald, token: string) => {
  const headers = { authorization: `Bearer ${token}` }
  return {
    bulk: async (payload: object) => {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/me/notifications/bulk',
        headers,
        payload,
      })
      assert.equal(res.statusCode, 200, res.body)
      return res.json() as { changed: number; capped: boolean; notFound: unknown[] }
    },
    unread: async () => {
      const res = await h.app.inject({ url: '/v1/me/counts', headers })
      assert.equal(res.statusCode, 200, res.body)
      return res.json().counts.unread as number
    },
  }
}

/**
 * `n` new unread notifications of `user`: one sent, the rest copies of its row written straight
 * to the store (a send each would take seconds), with its event number, so a mark-all after it
 * covers them all and one before it none. Returns their ids.
 */
async function unread(h: TestHerald, w: World, user: string, n: number): Promise<number[]> {
  const sent = await w.seed(user)
  const { rows } = await sql<{ id: number }>`INSERT INTO notifications
      (tenant_id, recipient_id, message_id, type, created_at, seq)
    SELECT tenant_id, recipient_id, message_id, type, created_at - g * interval '1 second', seq
    FROM notifications, generate_series(1, ${n - 1}) AS g
    WHERE tenant_id = ${w.tenant} AND id = ${sent.id}
    RETURNING id`.execute(h.storage.db)
  return [sent.id, ...rows.map((r) => Number(r.id))]
}

describeEngines('native inbox: what mark all read answers', (get) => {
  test(`mark all counts what it read exactly up to ${CAP}; past it, ${CAP} and capped`, async () => {
    const h = get()
    const w = await world(h, { users: ['r'], notification: { type: 'a', title: 'T' } })
    const r = as(h, w.tokens.r)
    await unread(h, w, 'r', CAP)
    assert.deepEqual(await r.bulk({ action: 'read', filter: {} }), {
      changed: CAP,
      capped: false,
      notFound: [],
    })
    await unread(h, w, 'r', CAP + 1)
    assert.deepEqual(await r.bulk({ action: 'read', filter: {} }), {
      changed: CAP,
      capped: true,
      notFound: [],
    })
    assert.equal(await r.unread(), 0, 'all of them read, though counted only so far')
    assert.deepEqual(await r.bulk({ action: 'read', filter: { read: false } }), {
      changed: 0,
      capped: false,
      notFound: [],
    })
    // Any other change by filter counts its rows exactly, past the cap too.
    const all = 2 * CAP + 1
    assert.deepEqual(await r.bulk({ action: 'unread', filter: {} }), {
      changed: all,
      capped: false,
      notFound: [],
    })
    assert.deepEqual(await r.bulk({ action: 'read', filter: { types: ['a'] } }), {
      changed: all,
      capped: false,
      notFound: [],
    })
  })

  const [dismissedN, snoozedN, total] = [30, 30, CAP + 21]
  for (const [filter, expected] of [
    [{}, total - dismissedN - snoozedN],
    [{ dismissed: 'include' }, total - snoozedN],
    [{ snoozed: 'include' }, total - dismissedN],
    [{ dismissed: 'include', snoozed: 'include' }, CAP],
  ] as const) {
    test(`mark all ${JSON.stringify(filter)}: what it keeps is not counted toward the cap`, async () => {
      const h = get()
      const w = await world(h, { users: ['r'], notification: { type: 'a', title: 'T' } })
      const r = as(h, w.tokens.r)
      const ids = await unread(h, w, 'r', total)
      const until = new Date(Date.now() + 3_600_000)
      await sql`UPDATE notifications SET archived_at = now()
        WHERE tenant_id = ${w.tenant} AND id = ANY(${ids.slice(0, dismissedN)})`.execute(
        h.storage.db,
      )
      await sql`UPDATE notifications SET snoozed_until = ${until}
        WHERE tenant_id = ${w.tenant}
          AND id = ANY(${ids.slice(dismissedN, dismissedN + snoozedN)})`.execute(h.storage.db)
      const res = await r.bulk({ action: 'read', filter })
      assert.deepEqual(res, { changed: expected, capped: expected === CAP, notFound: [] })
    })
  }

  test('a list of ids counts exactly, and is never capped', async () => {
    const h = get()
    const w = await world(h, { users: ['r'], notification: { type: 'a', title: 'T' } })
    const r = as(h, w.tokens.r)
    const ids = await unread(h, w, 'r', CAP + 1)
    assert.deepEqual(await r.bulk({ action: 'read', ids }), {
      changed: CAP + 1,
      capped: false,
      notFound: [],
    })
  })
})
