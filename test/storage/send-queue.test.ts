import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type CompiledQuery, type Kysely, sql } from 'kysely'
import type { SendRecord, SendResult } from '../../src/core/store.ts'
import type { Database } from '../../src/storage/schema.ts'
import { createSendQueue, QUEUE_LIMITS } from '../../src/storage/send-queue.ts'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'

const content = (title: string, type = 'note') => ({
  type,
  title,
  body: '',
  link: null,
  source: null,
  actor: null,
  project: null,
  target: null,
  parent: null,
  root: null,
  data: { title },
  actions: [],
  important: false,
  mention: false,
  automated: false,
})

const record = (
  tenantId: string,
  ids: string[],
  title: string,
  more: Partial<SendRecord> = {},
): SendRecord => ({
  tenantId,
  content: content(title),
  audience: { kind: 'users', ids },
  createdAt: new Date(),
  seenAt: null,
  readAt: null,
  archivedAt: null,
  snoozedUntil: null,
  expiresAt: null,
  groupKey: null,
  lastActionAt: null,
  keepLatest: null,
  critical: false,
  broadcastMin: null,
  ...more,
})

/**
 * Counts the send statements run on `db` from now on (the executor is shared by every query);
 * `fail`, when given, is thrown instead of running a statement of more than one send.
 */
function countSends(db: Kysely<Database>, fail?: Error) {
  const executor = db.getExecutor() as unknown as {
    executeQuery(q: CompiledQuery, ...rest: unknown[]): Promise<unknown>
  }
  const original = executor.executeQuery
  const seen: number[] = []
  executor.executeQuery = function (q, ...rest) {
    if (q.sql.includes('jsonb_to_recordset')) {
      const n = (JSON.parse(String(q.parameters[0])) as unknown[]).length
      seen.push(n)
      if (fail && n > 1) return Promise.reject(fail)
    }
    return original.call(this, q, ...rest)
  }
  return {
    seen,
    stop: () => {
      executor.executeQuery = original
    },
  }
}

const rowsOf = async (h: TestHerald, tenant: string) =>
  (
    await sql<{ recipient_id: string; title: string; seq: number; activity_count: number }>`
      SELECT n.recipient_id, m.title, n.seq, n.activity_count FROM notifications n
      JOIN messages m ON m.tenant_id = n.tenant_id AND m.id = n.message_id
      WHERE n.tenant_id = ${tenant} ORDER BY n.seq, n.recipient_id`.execute(h.storage.db)
  ).rows

describeEngines('storage: sends of a tenant queued behind its statement in flight', (get) => {
  test('sends made while one runs go together, each with its own message, rows and event number', async () => {
    const h = get()
    const t = h.tenant()
    const enqueue = createSendQueue(h.storage.db)
    await sql`INSERT INTO user_preferences (tenant_id, user_id, kind, name, in_app)
      VALUES (${t}, 'quiet', 'type', 'note', false)`.execute(h.storage.db)
    const spy = countSends(h.storage.db)
    let results: SendResult[]
    try {
      results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          enqueue({
            s: record(t, [`u${i}`, 'quiet'], `m${i}`, { critical: i === 29 }),
            ids: [`u${i}`, 'quiet'],
          }),
        ),
      )
    } finally {
      spy.stop()
    }
    // The first goes alone at once; the other 29 were waiting for it, and go as one.
    assert.deepEqual(spy.seen, [1, 29])
    assert.equal(new Set(results.map((r) => r.messageId)).size, 30, 'a message each')
    results.forEach((r, i) => {
      const critical = i === 29
      assert.equal(r.recipients, critical ? 2 : 1, `send ${i}: 'quiet' muted the type`)
      assert.equal(r.skipped, critical ? 0 : 1)
      assert.deepEqual(
        r.notifications?.map((n) => n.recipientId).sort(),
        critical ? ['quiet', 'u29'] : [`u${i}`],
      )
    })
    const rows = await rowsOf(h, t)
    assert.equal(rows.length, 31)
    // Event numbers 1..30, one per send, in the order the sends were made.
    for (let i = 0; i < 30; i++) {
      const mine = rows.filter((r) => r.title === `m${i}`)
      assert.ok(mine.length > 0)
      for (const r of mine) assert.equal(Number(r.seq), i + 1, `m${i}'s event number`)
    }
    const { rows: tenant } = await sql<{ event_seq: number }>`
      SELECT event_seq FROM tenants WHERE id = ${t}`.execute(h.storage.db)
    assert.equal(Number(tenant[0]?.event_seq), 30)
    const { rows: known } = await sql<{ c: number }>`SELECT count(*)::int AS c FROM recipients
      WHERE tenant_id = ${t}`.execute(h.storage.db)
    assert.equal(known[0]?.c, 31, 'every recipient remembered once')
  })

  test(`no statement carries more than ${QUEUE_LIMITS.sends} sends`, async () => {
    const h = get()
    const t = h.tenant()
    const enqueue = createSendQueue(h.storage.db)
    const spy = countSends(h.storage.db)
    const n = 2 * QUEUE_LIMITS.sends + 3
    try {
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          enqueue({ s: record(t, [`u${i}`], `m${i}`), ids: [`u${i}`] }),
        ),
      )
    } finally {
      spy.stop()
    }
    assert.deepEqual(spy.seen, [1, QUEUE_LIMITS.sends, QUEUE_LIMITS.sends, 2])
  })

  test('grouped sends with one key fold in turn; a bad value fails its own send only', async () => {
    const h = get()
    const t = h.tenant()
    const enqueue = createSendQueue(h.storage.db)
    const go = (title: string, more: Partial<SendRecord> = {}) =>
      enqueue({ s: record(t, ['g'], title, more), ids: ['g'] }).then(
        (r) => ({ ok: true as const, r }),
        (err: unknown) => ({ ok: false as const, err }),
      )
    const spy = countSends(h.storage.db)
    const outcomes = await Promise.all([
      go('first'),
      go('fold 1', { groupKey: 'k' }),
      go('fold 2', { groupKey: 'k' }),
      // A NUL character: PostgreSQL refuses it in text, so the statement it is in fails.
      go('bad\u0000title'),
      go('last'),
    ])
    spy.stop()
    assert.deepEqual(
      outcomes.map((o) => o.ok),
      [true, true, true, false, true],
    )
    // first alone; fold 1 waits; fold 2 (the same key) starts the next statement, which fails
    // on the bad title and is tried send by send.
    assert.deepEqual(spy.seen, [1, 1, 3, 1, 1, 1])
    const rows = await rowsOf(h, t)
    assert.deepEqual(
      rows.map((r) => [r.title, Number(r.activity_count)]),
      [
        ['first', 1],
        ['fold 2', 2],
        ['last', 1],
      ],
    )
  })

  test('a timeout or an outage fails the sends of its statement together, without a retry each', async () => {
    const h = get()
    const t = h.tenant()
    const enqueue = createSendQueue(h.storage.db)
    const canceled = Object.assign(new Error('canceling statement due to statement timeout'), {
      code: '57014',
    })
    const spy = countSends(h.storage.db, canceled)
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        enqueue({ s: record(t, ['o'], `o${i}`), ids: ['o'] }).then(
          () => 'sent',
          (err: unknown) => (err === canceled ? 'timed out' : String(err)),
        ),
      ),
    )
    spy.stop()
    // The first goes alone and is sent; the other five share one statement, which fails once.
    assert.deepEqual(outcomes, ['sent', ...Array(5).fill('timed out')])
    assert.deepEqual(spy.seen, [1, 5])
    assert.deepEqual(
      (await rowsOf(h, t)).map((r) => r.title),
      ['o0'],
    )
  })

  test('over HTTP, concurrent sends to one tenant share statements and all arrive', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    await send(h, key, { to: { users: ['warm'] }, type: 'x', title: 'warm-up' })
    const spy = countSends(h.storage.db)
    let answers: Array<{ status: number; json: Record<string, unknown> }>
    try {
      answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          send(h, key, { to: { users: [`h${i % 5}`] }, type: 'x', title: `h${i}` }),
        ),
      )
    } finally {
      spy.stop()
    }
    for (const a of answers) assert.equal(a.status, 201, JSON.stringify(a.json))
    assert.equal(
      spy.seen.reduce((a, b) => a + b, 0),
      40,
    )
    assert.ok(spy.seen.length < 40, `40 sends in ${spy.seen.length} statements`)
    const seqs = (await rowsOf(h, t)).map((r) => Number(r.seq))
    assert.deepEqual(
      seqs,
      Array.from({ length: 41 }, (_, i) => i + 1),
    )
  })
})
