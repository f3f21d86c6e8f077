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
 * Returns how many notifications became read, as the row-by-row update did, when `cap` is null.
 * Counting them all is most of the statement's time (every newly covered unread row is a step of
 * an index walk: 78 of 79 ms at 100,000), so a caller that only needs "none, some, or more than
 * `cap`" passes a cap: the walk stops at `cap + 1` rows of each kind, and the answer is then the
 * exact count up to `cap` and more than `cap` beyond it (the caller says "99+").
 *
 * Why the tenant's event number: sends take it under the tenant row's lock held to their commit
 * (migration 0003), so the committed `event_seq` this statement reads is past every committed
 * send and below every send still under way. A notification committed after this read gets a
 * larger number and stays unread; with row ids (a sequence drawn before commit) a send under way
 * could commit a smaller id after the mark was set and be read without anyone seeing it.
 *
 * One statement, so one round trip and its own commit: the previous mark (its row locked, so two
 * mark-alls of one user queue on it once it exists; the second then reads the first's mark, and
 * its range starts there), the new one, the rows kept out, the own-state rows read, and the count.
 * Two first mark-alls may overlap; the mark then keeps the larger number (GREATEST).
 */
export async function markAllRead(
  db: Kysely<Database>,
  scope: Scope,
  keep: MarkAllKeep,
  cap: number | null,
): Promise<number> {
  const { tenantId: t, userId: u, now } = scope
  const newlyCovered = sql`n.tenant_id = ${t} AND n.recipient_id = ${u}
    AND n.seq > (SELECT from_seq FROM b) AND n.seq <= (SELECT up_to FROM b) AND NOT n.own_state`
  const { rows } = await sql<{ changed: number }>`
    WITH prev AS (SELECT up_to FROM read_marks WHERE tenant_id = ${t} AND user_id = ${u} FOR UPDATE),
    b AS (SELECT coalesce((SELECT up_to FROM prev), -1) AS from_seq,
      greatest(coalesce((SELECT up_to FROM prev), -1),
        coalesce((SELECT event_seq FROM tenants WHERE id = ${t}), 0)) AS up_to),
    kept AS (${keepOut(scope, newlyCovered, keep)}),
    own AS (${readOwn(scope, keep)} RETURNING 1),
    mark AS (INSERT INTO read_marks (tenant_id, user_id, up_to, at)
      SELECT ${t}, ${u}, up_to, ${now} FROM b
      ON CONFLICT (tenant_id, user_id) DO UPDATE
      SET up_to = GREATEST(read_marks.up_to, excluded.up_to), at = excluded.at)
    SELECT ${cap === null ? countUnread(newlyCovered, keep, now) : countUnreadUpTo(newlyCovered, keep, now, cap)}
      + (SELECT count(*) FROM own) AS changed
  `.execute(db)
  return Number(rows[0]?.changed ?? 0)
}

/** The mark-all leaves these as they are: `keep`'s dismissed or snoozed ones. */
const keptBy = (keep: MarkAllKeep, now: Date): Cond[] => [
  ...(keep.dismissed ? [sql`n.archived_at IS NOT NULL`] : []),
  ...(keep.snoozed ? [sql`n.snoozed_until > ${now}`] : []),
]

/**
 * Rows the new mark would cover but the mark-all leaves as they are get their own state: read but
 * unseen ones (a mark-all reads; it never saw what was already read), and the dismissed and
 * snoozed ones `keep` names. The first are found on `notifications_read_unseen` (migration
 * 0015: those rows alone; on `notifications_open_seq`, whose range holds every unread row too,
 * the lookup visited each of them in the heap), the others on `notifications_hidden`, both
 * ranges of the newly covered event numbers.
 */
function keepOut(scope: Scope, newlyCovered: Cond, keep: MarkAllKeep) {
  const kept: Cond[] = [
    sql`(n.read_at IS NOT NULL AND n.seen_at IS NULL)`,
    ...keptBy(keep, scope.now),
  ]
  const open = sql`SELECT n.id FROM notifications n WHERE ${newlyCovered}
    AND n.archived_at IS NULL AND n.read_at IS NOT NULL AND n.seen_at IS NULL`
  const hidden = sql`SELECT n.id FROM notifications n WHERE ${newlyCovered}
    AND (n.archived_at IS NOT NULL OR n.snoozed_until IS NOT NULL)
    AND (n.read_at IS NULL OR n.seen_at IS NULL) AND (${sql.join(kept, sql` OR `)})`
  return sql`UPDATE notifications SET own_state = true WHERE tenant_id = ${scope.tenantId}
    AND id = ANY(ARRAY(${open} UNION ALL ${hidden}))`
}

/**
 * How many newly covered rows were unread and are not kept out: what the mark-all read. The
 * statement sees the rows as they were before it (the kept ones without their own state yet), so
 * the kept ones are taken off by their columns. The rows that are not dismissed are counted on
 * `notifications_open_seq` alone (index-only: the columns it needs are included), the dismissed
 * and snoozed ones, few, on `notifications_hidden`: the dismissed ones read, less the snoozed
 * but not dismissed ones kept.
 */
function countUnread(newlyCovered: Cond, keep: MarkAllKeep, now: Date) {
  const unread = sql`${newlyCovered} AND n.read_at IS NULL AND ${notExpired(now)}`
  const kept = keptBy(keep, now)
  // coalesce: a row never snoozed has a null `snoozed_until`, and NOT null would leave it out.
  const isKept = kept.length > 0 ? sql`coalesce(${sql.join(kept, sql` OR `)}, false)` : sql`false`
  return sql`(SELECT count(*) FROM notifications n WHERE ${unread} AND n.archived_at IS NULL)
    + (SELECT count(*) FILTER (WHERE n.archived_at IS NOT NULL AND NOT ${isKept})
        - count(*) FILTER (WHERE n.archived_at IS NULL AND ${isKept})
      FROM notifications n WHERE ${unread}
        AND (n.archived_at IS NOT NULL OR n.snoozed_until IS NOT NULL))`
}

/**
 * What `countUnread` counts, stopping at `cap + 1` rows on each index: the rows that are not
 * dismissed on `notifications_open_seq`, the dismissed ones (read when `keep` does not keep them)
 * on `notifications_hidden`. The kept snoozed ones are left out by their `snoozed_until`, which
 * the open index does not hold: a heap visit for each of the at most `cap + 1` rows counted.
 */
function countUnreadUpTo(newlyCovered: Cond, keep: MarkAllKeep, now: Date, cap: number) {
  const unread = sql`${newlyCovered} AND n.read_at IS NULL AND ${notExpired(now)}`
  const notSnoozed = keep.snoozed
    ? sql`AND (n.snoozed_until IS NULL OR n.snoozed_until <= ${now})`
    : sql``
  const upTo = (where: Cond) => sql`(SELECT count(*) FROM (SELECT 1 FROM notifications n
    WHERE ${unread} AND ${where} ${notSnoozed} LIMIT ${cap + 1}) c)`
  const open = upTo(sql`n.archived_at IS NULL`)
  return keep.dismissed ? open : sql`${open} + ${upTo(sql`n.archived_at IS NOT NULL`)}`
}

/**
 * Rows with their own state at or below the new mark that are still unread (marked unread below
 * an earlier mark, or kept out of one) are read row by row, as the filter of the mark-all says:
 * few, found on `notifications_own_state`.
 */
function readOwn(scope: Scope, keep: MarkAllKeep) {
  const { tenantId, userId, now } = scope
  return sql`UPDATE notifications n SET read_at = ${now}, seen_at = COALESCE(n.seen_at, ${now})
    WHERE n.tenant_id = ${tenantId} AND n.recipient_id = ${userId} AND n.own_state
      AND n.seq <= (SELECT up_to FROM b) AND n.read_at IS NULL AND ${notExpired(now)}
      ${keep.dismissed ? sql`AND n.archived_at IS NULL` : sql``}
      ${keep.snoozed ? sql`AND (n.snoozed_until IS NULL OR n.snoozed_until <= ${now})` : sql``}`
}
