import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type Kysely, sql } from 'kysely'
import { MARK_ALL_COUNT_CAP as CAP } from '../../src/core/inbox.ts'
import { markAllRead } from '../../src/storage/read-mark-store.ts'
import type { Database } from '../../src/storage/schema.ts'
import { describeEngines, type TestHerald } from '../support/harness.ts'
import { nativeUser } from '../support/native-user.ts'
import { type World, world } from '../support/world.ts'

/**
 * What "mark all read" answers: how many it read up to MARK_ALL_COUNT_CAP, and past it the cap
 * with `capped: true` (counting them all was most of its time); every other bulk change counts
 * exactly.
 */

/** The user's calls, and the unread count as a number. */
const as = (h: TestHerald, token: string) => {
  const user = nativeUser(h, token)
  return { bulk: user.bulk, unread: async () => (await user.counts()).counts.unread as number }
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

  test('mark all finds the read but unseen rows it keeps out without walking the unread ones', async () => {
    const h = get()
    const w = await world(h, { users: ['r', 'o'], notification: { type: 'a', title: 'T' } })
    const n = 2_000
    const ids = await unread(h, w, 'r', n)
    // Three of them read and not seen (a mark-all keeps those out); another user's rows read.
    await sql`UPDATE notifications SET read_at = now()
      WHERE tenant_id = ${w.tenant} AND id = ANY(${ids.slice(0, 3)})`.execute(h.storage.db)
    await unread(h, w, 'o', n)
    await sql`UPDATE notifications SET read_at = now(), seen_at = now()
      WHERE tenant_id = ${w.tenant} AND recipient_id = 'o'`.execute(h.storage.db)
    await sql`ANALYZE notifications`.execute(h.storage.db)
    const plan = await explained(h.storage.db, (db) =>
      markAllRead(db, { tenantId: w.tenant, userId: 'r', now: new Date() }, keepBoth, CAP),
    )
    const removed = [...plan.matchAll(/Rows Removed by Filter: (\d+)/g)].map((m) => Number(m[1]))
    assert.ok(
      removed.every((k) => k <= CAP),
      `a step of the mark-all read past ${CAP} rows it did not want:\n${plan}`,
    )
    // What it did is what a mark-all does: the three keep their own state, unseen, and read.
    const { rows } = await sql<{ id: number; own_state: boolean; seen_at: Date | null }>`
      SELECT id, own_state, seen_at FROM notifications
      WHERE tenant_id = ${w.tenant} AND recipient_id = 'r' AND own_state ORDER BY id`.execute(
      h.storage.db,
    )
    assert.deepEqual(
      rows.map((x) => [Number(x.id), x.seen_at]),
      ids
        .slice(0, 3)
        .sort((a, b) => a - b)
        .map((id) => [id, null]),
    )
  })
})

const keepBoth = { dismissed: true, snoozed: true }

/**
 * Runs `run`'s statements as EXPLAIN (ANALYZE) (so they take effect) and returns their plans;
 * `run` sees an empty result for each.
 */
async function explained(
  db: Kysely<Database>,
  run: (db: Kysely<Database>) => Promise<unknown>,
): Promise<string> {
  const lines: string[] = []
  const explaining = {
    getExecutor() {
      const ex = db.getExecutor()
      return {
        transformQuery: ex.transformQuery.bind(ex),
        compileQuery: ex.compileQuery.bind(ex),
        async executeQuery(q: { sql: string }) {
          const res = await ex.executeQuery({ ...q, sql: `EXPLAIN (ANALYZE) ${q.sql}` } as never)
          for (const row of res.rows as Record<string, unknown>[]) {
            lines.push(String(Object.values(row)[0]))
          }
          return { rows: [] }
        },
      }
    },
  } as unknown as Kysely<Database>
  await run(explaining)
  return lines.join('\n')
}
