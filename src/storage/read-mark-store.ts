import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { MarkAllKeep, Scope } from '../core/store.ts'
import { notExpired } from './filter-sql.ts'
import type { Database } from './schema.ts'

type Cond = RawBuilder<unknown>

/**
 * "Mark all read" as one row write: the user's read mark moves to the tenant's last event number,
 * and every notification of theirs numbered up to it is read (and seen) from then on, whatever
 * its own columns say, unless `own_state` keeps them deciding. Rows are written only where the
 * mark must not decide: those the mark-all leaves alone (dismissed or snoozed ones when `keep`
 * says so, and read but unseen ones, which a row-by-row mark-all never touched), and rows that
 * already had their own state and are unread (marked unread below the previous mark).
 *
 * Returns how many notifications became read, as the row-by-row update did.
 *
 * Why the tenant's event number: sends take it under the tenant row's lock held to their commit
 * (migration 0003), so the committed `event_seq` this statement reads is past every committed
 * send and below every send still under way. A notification committed after this read gets a
 * larger number and stays unread; with row ids (a sequence drawn before commit) a send under way
 * could commit a smaller id after the mark was set and be read without anyone seeing it.
 */
export async function markAllRead(
  db: Kysely<Database>,
  scope: Scope,
  keep: MarkAllKeep,
): Promise<number> {
  const work = async (tx: Kysely<Database>) => {
    // Two mark-alls of one user queue on the mark's row once it exists; two first ones may
    // overlap, and the mark then keeps the larger number (GREATEST below).
    const previous = await tx
      .selectFrom('read_marks')
      .select('up_to')
      .where('tenant_id', '=', scope.tenantId)
      .where('user_id', '=', scope.userId)
      .forUpdate()
      .executeTakeFirst()
    const from = previous ? Number(previous.up_to) : -1
    const tenant = await tx
      .selectFrom('tenants')
      .select('event_seq')
      .where('id', '=', scope.tenantId)
      .executeTakeFirst()
    const upTo = Math.max(from, Number(tenant?.event_seq ?? 0))
    const newlyCovered = sql`n.tenant_id = ${scope.tenantId} AND n.recipient_id = ${scope.userId}
      AND n.seq > ${from} AND n.seq <= ${upTo} AND NOT n.own_state`
    await keepOut(tx, scope, newlyCovered, keep)
    const covered = await countUnread(tx, newlyCovered, scope.now)
    const own = await readOwn(tx, scope, keep, upTo)
    await tx
      .insertInto('read_marks')
      .values({ tenant_id: scope.tenantId, user_id: scope.userId, up_to: upTo, at: scope.now })
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'user_id']).doUpdateSet({
          up_to: sql<number>`GREATEST(read_marks.up_to, excluded.up_to)`,
          at: scope.now,
        }),
      )
      .execute()
    return covered + own
  }
  return db.isTransaction ? work(db) : db.transaction().execute(work)
}

/**
 * Rows the new mark would cover but the mark-all leaves as they are get their own state: read but
 * unseen ones (a mark-all reads; it never saw what was already read), and the dismissed and
 * snoozed ones `keep` names. The first are found on `notifications_open_seq`, the others on
 * `notifications_hidden`, both ranges of the newly covered event numbers.
 */
async function keepOut(tx: Kysely<Database>, scope: Scope, newlyCovered: Cond, keep: MarkAllKeep) {
  const kept: Cond[] = [sql`(n.read_at IS NOT NULL AND n.seen_at IS NULL)`]
  if (keep.dismissed) kept.push(sql`n.archived_at IS NOT NULL`)
  if (keep.snoozed) kept.push(sql`n.snoozed_until > ${scope.now}`)
  const open = sql`SELECT n.id FROM notifications n WHERE ${newlyCovered}
    AND n.archived_at IS NULL AND n.read_at IS NOT NULL AND n.seen_at IS NULL`
  const hidden = sql`SELECT n.id FROM notifications n WHERE ${newlyCovered}
    AND (n.archived_at IS NOT NULL OR n.snoozed_until IS NOT NULL)
    AND (n.read_at IS NULL OR n.seen_at IS NULL) AND (${sql.join(kept, sql` OR `)})`
  await sql`UPDATE notifications SET own_state = true WHERE tenant_id = ${scope.tenantId}
    AND id = ANY(ARRAY(${open} UNION ALL ${hidden}))`.execute(tx)
}

/** How many newly covered rows were unread: what the mark-all read (kept ones have own state). */
async function countUnread(tx: Kysely<Database>, newlyCovered: Cond, now: Date) {
  const unread = (where: Cond) => sql`(SELECT count(*) FROM notifications n WHERE ${newlyCovered}
    AND n.read_at IS NULL AND ${notExpired(now)} AND ${where})`
  const { rows } = await sql<{ c: number }>`SELECT ${unread(sql`n.archived_at IS NULL`)}
    + ${unread(sql`n.archived_at IS NOT NULL`)} AS c`.execute(tx)
  return Number(rows[0]?.c ?? 0)
}

/**
 * Rows with their own state at or below the new mark that are still unread (marked unread below
 * an earlier mark, or kept out of one) are read row by row, as the filter of the mark-all says:
 * few, found on `notifications_own_state`.
 */
async function readOwn(tx: Kysely<Database>, scope: Scope, keep: MarkAllKeep, upTo: number) {
  const { tenantId, userId, now } = scope
  const res =
    await sql`UPDATE notifications n SET read_at = ${now}, seen_at = COALESCE(n.seen_at, ${now})
    WHERE n.tenant_id = ${tenantId} AND n.recipient_id = ${userId} AND n.own_state
      AND n.seq <= ${upTo} AND n.read_at IS NULL AND ${notExpired(now)}
      ${keep.dismissed ? sql`AND n.archived_at IS NULL` : sql``}
      ${keep.snoozed ? sql`AND (n.snoozed_until IS NULL OR n.snoozed_until <= ${now})` : sql``}`.execute(
      tx,
    )
  return Number(res.numAffectedRows ?? 0)
}
