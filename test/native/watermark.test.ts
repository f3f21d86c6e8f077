import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import pg from 'pg'
import { describeEngines, PG_URL, type TestHerald } from '../support/harness.ts'
import { nativeUser as as, type Item } from '../support/native-user.ts'
import { streamClient } from '../support/sse.ts'
import { world } from '../support/world.ts'

/**
 * "Mark all read" moves the user's read mark (one row) instead of updating every unread row.
 * These tests read everything a client can see after it, through the native API, and compare it
 * with what the row-by-row update gave: which rows are read and seen, and when; dismissed and
 * snoozed ones left alone; counts, filters, order and ids; marking one unread below the mark.
 */

/** A tenant with users `r` (the reader) and `n` (a neighbour), and `count` notifications each. */
async function inbox(h: TestHerald, count: number, types = ['a', 'b']) {
  const w = await world(h, { users: ['r', 'n'], notification: { title: 'T' } })
  const ids: number[] = []
  for (let i = 0; i < count; i++) {
    const type = types[i % types.length] ?? 'a'
    ids.push((await w.seed('r', { type })).id)
    await w.seed('n', { type })
  }
  return { w, ids, r: as(h, w.tokens.r), n: as(h, w.tokens.n) }
}

const ids = (items: Item[]) => items.map((i) => i.id)

/** What the store holds for user `r`: their read mark, and their rows with a `read_at` of their own. */
async function stored(h: TestHerald, tenant: string) {
  const marks = await sql<{ c: number }>`SELECT count(*) AS c FROM read_marks
    WHERE tenant_id = ${tenant} AND user_id = 'r'`.execute(h.storage.db)
  const rows = await sql<{ c: number }>`SELECT count(*) AS c FROM notifications
    WHERE tenant_id = ${tenant} AND recipient_id = 'r' AND read_at IS NOT NULL`.execute(
    h.storage.db,
  )
  return { marks: Number(marks.rows[0]?.c), readRows: Number(rows.rows[0]?.c) }
}

describeEngines('native inbox: mark all read as a read mark', (get) => {
  test('mark all: lists, filters, counts and gets read it; order, ids and neighbours unchanged', async () => {
    const h = get()
    const { w, r, n, ids: mine } = await inbox(h, 6)
    const [first, second] = mine
    assert.ok(first && second)
    const early = await r.act(first, 'read')
    const before = await r.list()
    const res = await r.bulk({ action: 'read', filter: {} })
    assert.equal(res.changed, 5, 'the one read before is not counted again')
    assert.deepEqual(await stored(h, w.tenant), { marks: 1, readRows: 1 }, 'one row written')
    const after = await r.list()
    assert.deepEqual(ids(after), ids(before), 'same rows, same order')
    assert.ok(after.every((i) => i.read && i.seen))
    const byId = new Map(after.map((i) => [i.id, i]))
    assert.equal(byId.get(first)?.readAt, early.readAt, 'read before: its own time')
    const markedAt = byId.get(second)?.readAt
    assert.ok(markedAt && markedAt >= (early.readAt ?? ''))
    assert.ok(after.filter((i) => i.id !== first).every((i) => i.readAt === markedAt))
    assert.equal(byId.get(second)?.seenAt, markedAt, 'unseen ones are seen by the mark-all')
    assert.deepEqual(await r.list('&read=false'), [])
    assert.deepEqual(ids(await r.list('&read=true')), ids(before))
    assert.deepEqual(await r.list('&seen=false'), [])
    const single = await r.get(second)
    assert.equal(single.read, true)
    assert.equal(single.readAt, markedAt)
    const c = await r.counts()
    assert.deepEqual(c.counts, { total: 6, unread: 0, unseen: 0 })
    const capped = await r.counts('?cap=2')
    assert.deepEqual(capped.counts, { total: 2, unread: 0, unseen: 0 })
    assert.deepEqual(capped.capped, { total: true, unread: false, unseen: false })
    assert.deepEqual((await n.counts()).counts, { total: 6, unread: 6, unseen: 6 }, 'neighbour')
    assert.equal((await r.bulk({ action: 'read', filter: {} })).changed, 0, 'again: nothing')
  })

  test('one marked unread below the mark: counts, lists and gets; read again; the next mark-all', async () => {
    const h = get()
    const { r, ids: mine } = await inbox(h, 4)
    const [a, b, c] = mine
    assert.ok(a && b && c)
    await r.bulk({ action: 'read', filter: {} })
    const unread = await r.act(b, 'unread')
    assert.equal(unread.read, false)
    assert.equal(unread.readAt, null)
    assert.equal(unread.seen, true, 'it stays seen, as un-reading a read row did')
    assert.deepEqual((await r.counts()).counts, { total: 4, unread: 1, unseen: 0 })
    assert.deepEqual(ids(await r.list('&read=false')), [b])
    assert.equal((await r.get(a)).read, true, 'the others stay read')
    // Marking a covered one read is a success that changes nothing.
    const again = await r.act(a, 'read')
    assert.equal(again.read, true)
    assert.equal((await r.bulk({ action: 'read', ids: [a] })).changed, 0)
    // By filter below the mark: un-reading works as on any row.
    const typed = await r.bulk({ action: 'unread', filter: { types: ['a'] } })
    assert.equal(typed.changed, 2, 'both rows of type a')
    assert.deepEqual(new Set(ids(await r.list('&read=false'))), new Set([a, b, c]))
    assert.equal((await r.bulk({ action: 'unread', ids: [mine[3] ?? 0] })).changed, 1)
    assert.equal((await r.counts()).counts.unread, 4)
    assert.equal((await r.act(b, 'read')).read, true)
    assert.equal((await r.counts()).counts.unread, 3)
    // A new mark-all reads those with their own state too.
    assert.equal((await r.bulk({ action: 'read', filter: {} })).changed, 3)
    assert.deepEqual((await r.counts()).counts, { total: 4, unread: 0, unseen: 0 })
  })

  test('a notification sent after the mark-all is unread; unseen below the mark works', async () => {
    const h = get()
    const { w, r, ids: mine } = await inbox(h, 3)
    await r.bulk({ action: 'read', filter: {} })
    const fresh = await w.seed('r', { type: 'a' })
    assert.deepEqual((await r.counts()).counts, { total: 4, unread: 1, unseen: 1 })
    assert.deepEqual(ids(await r.list('&read=false')), [fresh.id])
    assert.equal((await r.get(fresh.id)).read, false)
    const [a] = mine
    assert.ok(a)
    const unseen = await r.act(a, 'unseen')
    assert.equal(unseen.seen, false)
    assert.equal(unseen.read, true, 'un-seeing keeps it read')
    assert.equal((await r.counts()).counts.unseen, 2)
    assert.equal((await r.bulk({ action: 'read', filter: {} })).changed, 1)
    const all = await r.list()
    assert.ok(all.every((i) => i.read))
    assert.equal(all.find((i) => i.id === a)?.seen, false, 'read but unseen stays unseen')
  })

  test('mark all leaves dismissed and snoozed ones alone, as the row-by-row update did', async () => {
    const h = get()
    const { r, ids: mine } = await inbox(h, 4)
    const [a, b] = mine
    assert.ok(a && b)
    await r.act(a, 'dismiss')
    const until = new Date(Date.now() + 3_600_000).toISOString()
    await r.act(b, 'snooze', { until })
    assert.equal((await r.bulk({ action: 'read', filter: {} })).changed, 2)
    const hidden = await r.list('&dismissed=include&snoozed=include')
    assert.equal(hidden.length, 4)
    const byId = new Map(hidden.map((i) => [i.id, i]))
    assert.equal(byId.get(a)?.read, false)
    assert.equal(byId.get(a)?.dismissed, true)
    assert.equal(byId.get(b)?.read, false)
    assert.equal((await r.act(a, 'undismiss')).read, false)
    assert.equal((await r.counts()).counts.unread, 1, 'the undismissed one is unread')
    // Including them in the filter reads them as well.
    const all = await r.bulk({
      action: 'read',
      filter: { dismissed: 'include', snoozed: 'include' },
    })
    assert.equal(all.changed, 2)
    const now = await r.list('&dismissed=include&snoozed=include&read=false')
    assert.deepEqual(now, [])
  })

  for (const [name, filter] of [
    ['dismissed and snoozed kept', {}],
    ['snoozed kept', { dismissed: 'include' }],
    ['dismissed kept', { snoozed: 'include' }],
    ['none kept', { dismissed: 'include', snoozed: 'include' }],
  ] as const) {
    test(`mark all (${name}) answers as many as its filter listed unread`, async () => {
      const h = get()
      const { w, r, ids: older } = await inbox(h, 2)
      const [early] = older
      assert.ok(early)
      // Below a first mark, then unread again: a row of its own state, read row by row.
      await r.bulk({ action: 'read', filter: {} })
      await r.act(early, 'unread')
      const mine: number[] = []
      for (let i = 0; i < 6; i++) mine.push((await w.seed('r', { type: 'a' })).id)
      const [dismissed, snoozed, both, readUnseen, hiddenEarly] = mine
      assert.ok(dismissed && snoozed && both && readUnseen && hiddenEarly)
      const until = new Date(Date.now() + 3_600_000).toISOString()
      await r.act(dismissed, 'dismiss')
      await r.act(snoozed, 'snooze', { until })
      await r.act(both, 'dismiss')
      await r.act(both, 'snooze', { until })
      await r.act(readUnseen, 'read')
      await r.act(readUnseen, 'unseen')
      await r.act(hiddenEarly, 'read')
      await r.act(hiddenEarly, 'dismiss')
      const query = Object.entries(filter)
        .map(([k, v]) => `&${k}=${v}`)
        .join('')
      const expected = (await r.list(`${query}&read=false`)).length
      assert.ok(expected > 0)
      const res = await r.bulk({ action: 'read', filter })
      assert.equal(res.changed, expected)
      assert.deepEqual(await r.list(`${query}&read=false`), [])
    })
  }

  test('mark all by a filter changes only the matches, row by row', async () => {
    const h = get()
    const { w, r, ids: mine } = await inbox(h, 4)
    assert.equal((await r.bulk({ action: 'read', filter: { types: ['a'] } })).changed, 2)
    assert.deepEqual(await stored(h, w.tenant), { marks: 0, readRows: 2 }, 'no mark: row by row')
    const unread = await r.list('&read=false')
    assert.deepEqual(new Set(unread.map((i) => i.type)), new Set(['b']))
    assert.deepEqual((await r.counts()).counts.unread, 2)
    assert.equal((await r.bulk({ action: 'read', filter: { upToId: mine[2] } })).changed, 1)
    assert.equal((await r.counts()).counts.unread, 1)
  })

  test('deleting below the mark, and delete by the read filter', async () => {
    const h = get()
    const { r, ids: mine } = await inbox(h, 3)
    const [a, b] = mine
    assert.ok(a && b)
    await r.bulk({ action: 'read', filter: {} })
    await r.act(b, 'unread')
    assert.equal((await r.bulk({ action: 'delete', filter: { read: true } })).changed, 2)
    assert.deepEqual(ids(await r.list()), [b])
    assert.deepEqual((await r.counts()).counts, { total: 1, unread: 1, unseen: 0 })
  })
  test('deleting the user deletes their mark: a user of that id starts unread again', async () => {
    const h = get()
    const { w, r } = await inbox(h, 2)
    await r.bulk({ action: 'read', filter: {} })
    const del = await h.app.inject({
      method: 'DELETE',
      url: '/v1/users/r',
      headers: { authorization: `Bearer ${w.key}` },
    })
    assert.equal(del.statusCode, 204, del.body)
    assert.equal((await stored(h, w.tenant)).marks, 0)
    await w.seed('r', { type: 'a' })
    assert.deepEqual((await r.counts()).counts, { total: 1, unread: 1, unseen: 1 })
  })

  test('retention purges what a mark read `readDays` ago; unread below it and later ones stay', async () => {
    const h = get()
    const { w, r, n, ids: mine } = await inbox(h, 3)
    const [, b] = mine
    assert.ok(b)
    await r.bulk({ action: 'read', filter: {} })
    await r.act(b, 'unread')
    const fresh = await w.seed('r', { type: 'a' })
    const put = await h.app.inject({
      method: 'PUT',
      url: '/v1/retention',
      headers: { authorization: `Bearer ${w.key}` },
      payload: { readDays: 30 },
    })
    assert.equal(put.statusCode, 200, put.body)
    const purge = async () => {
      for (let i = 0; i < 100; i++) if (!(await h.cleanup.runOnce()).more) return
    }
    await purge()
    assert.equal((await r.list()).length, 4, 'marked just now: kept')
    // The mark as if set 31 days ago (the clock of the test does not move).
    await sql`UPDATE read_marks SET at = now() - interval '31 days'
      WHERE tenant_id = ${w.tenant} AND user_id = 'r'`.execute(h.storage.db)
    await purge()
    assert.deepEqual(new Set(ids(await r.list())), new Set([b, fresh.id]))
    assert.equal((await n.list()).length, 3, 'the neighbour has no mark')
  })
})

describeEngines('native inbox: the read mark and sends under way', (get) => {
  test('a send under way when the mark-all ran stays unread, though its row id is smaller', async (t) => {
    const h = get()
    if (h.engine !== 'postgres') {
      t.skip('PGlite runs one transaction at a time')
      return
    }
    const { w, r } = await inbox(h, 2)
    const c = new pg.Client({ connectionString: PG_URL })
    await c.connect()
    let late = 0
    try {
      await c.query(`SET search_path TO "${h.schema}"`)
      await c.query('BEGIN')
      // A send under way: its row id drawn first, then another send commits a larger id.
      const msg = await c.query(
        `INSERT INTO messages (tenant_id, type, title) VALUES ($1, 'a', 'late') RETURNING id`,
        [w.tenant],
      )
      const row = await c.query(
        `INSERT INTO notifications (tenant_id, recipient_id, message_id, type, created_at)
         VALUES ($1, 'r', $2, 'a', now()) RETURNING id`,
        [w.tenant, msg.rows[0].id],
      )
      late = Number(row.rows[0].id)
      const other = await w.seed('r', { type: 'b' })
      assert.ok(other.id > late)
      // Then it takes its event number, holding the tenant row until it commits.
      await c.query(
        `WITH t AS (UPDATE tenants SET event_seq = event_seq + 1 WHERE id = $1 RETURNING event_seq)
         UPDATE notifications SET seq = (SELECT event_seq FROM t) WHERE tenant_id = $1 AND id = $2`,
        [w.tenant, late],
      )
      // The mark-all does not wait for it, and does not cover it.
      assert.equal((await r.bulk({ action: 'read', filter: {} })).changed, 3)
      await c.query('COMMIT')
    } finally {
      await c.end()
    }
    assert.deepEqual((await r.counts()).counts, { total: 4, unread: 1, unseen: 1 })
    assert.deepEqual(ids(await r.list('&read=false')), [late])
  })
})

describeEngines('native stream: the read mark', (get) => {
  const client = streamClient(() => get().app)

  test('mark all is one changed event, counts drop to 0; a later send arrives unread; a replay reads the mark', async () => {
    const h = get()
    const { w, r } = await inbox(h, 3)
    const token = w.tokens.r
    const next = (await client.open(token)).next
    assert.deepEqual((await next()).data, { unread: 3, unseen: 3 })
    await r.bulk({ action: 'read', filter: {} })
    const changed = await next()
    assert.equal(changed.event, 'notifications.changed')
    assert.deepEqual((await next()).data, { unread: 0, unseen: 0 })
    const fresh = await w.seed('r', { type: 'a', title: 'after' })
    const created = await next()
    assert.equal(created.event, 'notification.created')
    assert.equal(created.data.id, fresh.id)
    assert.equal(created.data.read, false)
    assert.deepEqual((await next()).data, { unread: 1, unseen: 1 })
    // A reconnect from the start replays the covered rows as read, at the mark's time.
    const replay = (await client.open(token, { 'last-event-id': '0' })).next
    assert.equal((await replay()).event, 'counts')
    const first = await replay()
    assert.equal(first.event, 'notification.created')
    assert.equal(first.data.read, true)
    assert.ok(first.data.readAt)
  })
})
