import type { Kysely, Selectable } from 'kysely'
import type {
  ScheduledRow,
  ScheduleError,
  ScheduleRecord,
  ScheduleStatus,
  SendResult,
  Store,
} from '../core/store.ts'
import type { Database, ScheduledSendsTable } from './schema.ts'

const toRow = (r: Selectable<ScheduledSendsTable>): ScheduledRow => ({
  id: r.id,
  tenantId: r.tenant_id,
  sendAt: r.send_at,
  status: r.status,
  request: r.request,
  requestHash: r.request_hash,
  idempotencyKey: r.idempotency_key,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  result: (r.result ?? null) as SendResult | null,
  error: (r.error ?? null) as ScheduleError | null,
})

export async function schedule(db: Kysely<Database>, s: ScheduleRecord) {
  const row = await db
    .insertInto('scheduled_sends')
    .values({
      tenant_id: s.tenantId,
      send_at: s.sendAt,
      request: JSON.stringify(s.request),
      request_hash: s.requestHash,
      idempotency_key: s.idempotencyKey,
    })
    // The only key a caller can collide on is (tenant, idempotency key): the id is generated.
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst()
  return row ? toRow(row) : null
}

export async function findScheduled(
  db: Kysely<Database>,
  tenantId: string,
  by: { id: string } | { key: string },
) {
  const row = await db
    .selectFrom('scheduled_sends')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .$if('id' in by, (q) => q.where('id', '=', (by as { id: string }).id))
    .$if('key' in by, (q) => q.where('idempotency_key', '=', (by as { key: string }).key))
    .executeTakeFirst()
  return row ? toRow(row) : null
}

/** One status at a time, so the (tenant, status, send_at, id) index serves the order. */
export async function listScheduled(
  db: Kysely<Database>,
  tenantId: string,
  status: ScheduleStatus | null,
  after: { at: Date; id: string } | null,
  limit: number,
) {
  const rows = await db
    .selectFrom('scheduled_sends')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .$if(status !== null, (q) => q.where('status', '=', status as ScheduleStatus))
    .$if(after !== null, (q) => {
      const a = after as { at: Date; id: string }
      return q.where((eb) =>
        eb.or([eb('send_at', '>', a.at), eb.and([eb('send_at', '=', a.at), eb('id', '>', a.id)])]),
      )
    })
    .orderBy('send_at')
    .orderBy('id')
    .limit(limit)
    .execute()
  return rows.map(toRow)
}

/**
 * On PostgreSQL a delivery under way holds the row's lock: this UPDATE waits for it, then finds
 * the row delivered and changes nothing. So a cancel and a delivery never both succeed.
 */
export async function cancelScheduled(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  at: Date,
) {
  const row = await db
    .updateTable('scheduled_sends')
    .set({ status: 'cancelled', finished_at: at })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('status', '=', 'scheduled')
    .returningAll()
    .executeTakeFirst()
  return row ? toRow(row) : null
}

/**
 * Claim, deliver and mark in one transaction. `FOR UPDATE SKIP LOCKED` makes another instance's
 * claim pass over a row being delivered, and once this transaction commits the row is no longer
 * `scheduled`, so no one claims it again. If the process dies before the commit, the database
 * rolls the transaction back: no notification of it exists and the row is waiting again.
 */
export async function deliverDue(
  db: Kysely<Database>,
  now: Date,
  deliver: (row: ScheduledRow, tx: Store) => Promise<SendResult>,
  bind: (tx: Kysely<Database>) => Store,
) {
  return db.transaction().execute(async (tx) => {
    const due = await tx
      .selectFrom('scheduled_sends')
      .selectAll()
      .where('status', '=', 'scheduled')
      .where('send_at', '<=', now)
      .orderBy('send_at')
      .limit(1)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst()
    if (!due) return null
    const result = await deliver(toRow(due), bind(tx))
    const done = await tx
      .updateTable('scheduled_sends')
      .set({ status: 'delivered', result: JSON.stringify(result), finished_at: now })
      .where('tenant_id', '=', due.tenant_id)
      .where('id', '=', due.id)
      .returningAll()
      .executeTakeFirstOrThrow()
    return toRow(done)
  })
}

export async function failScheduled(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  error: ScheduleError,
  at: Date,
) {
  await db
    .updateTable('scheduled_sends')
    .set({ status: 'failed', error: JSON.stringify(error), finished_at: at })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('status', '=', 'scheduled')
    .execute()
}
