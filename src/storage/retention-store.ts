import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Purged, PurgeKind, RetentionPolicy } from '../core/store.ts'
import type { Database } from './schema.ts'

export async function getRetention(
  db: Kysely<Database>,
  tenantId: string,
): Promise<RetentionPolicy | null> {
  const row = await db
    .selectFrom('retention_policies')
    .select(['read_days', 'all_days'])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst()
  return row ? { readDays: row.read_days, allDays: row.all_days } : null
}

/** Both periods null removes the row, so the purge never visits a tenant that keeps everything. */
export async function setRetention(
  db: Kysely<Database>,
  tenantId: string,
  p: RetentionPolicy,
): Promise<void> {
  if (p.readDays === null && p.allDays === null) {
    await db.deleteFrom('retention_policies').where('tenant_id', '=', tenantId).execute()
    return
  }
  const values = { read_days: p.readDays, all_days: p.allDays, updated_at: sql<Date>`now()` }
  await db
    .insertInto('retention_policies')
    .values({ tenant_id: tenantId, ...values })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet(values))
    .execute()
}

/**
 * Each kind: the tenants it visits (`t.id`, with the policy's period as `t.days`), and, per
 * tenant, the condition and order that walk one of migration 0008's indexes from its oldest end.
 */
function plan(kind: PurgeKind, tenantId: string | null, now: Date) {
  const one = tenantId === null ? sql`` : sql`AND p.tenant_id = ${tenantId}`
  const at = sql`${now}::timestamptz`
  if (kind === 'expired') {
    const tenants =
      tenantId === null
        ? sql`SELECT id, 0 AS days FROM tenants`
        : sql`SELECT ${tenantId}::text AS id, 0 AS days`
    return {
      tenants,
      where: sql`n.expires_at IS NOT NULL AND n.expires_at <= ${at}`,
      order: sql`n.expires_at`,
    }
  }
  const column = kind === 'read' ? sql.ref('read_days') : sql.ref('all_days')
  const tenants = sql`SELECT p.tenant_id AS id, p.${column} AS days FROM retention_policies p
    WHERE p.${column} IS NOT NULL ${one}`
  const cutoff = sql`${at} - make_interval(days => t.days)`
  if (kind === 'read') {
    return {
      tenants,
      where: sql`(n.read_at IS NOT NULL OR n.archived_at IS NOT NULL)
        AND LEAST(n.read_at, n.archived_at) < ${cutoff}`,
      order: sql`LEAST(n.read_at, n.archived_at)`,
    }
  }
  return { tenants, where: sql`n.created_at < ${cutoff}`, order: sql`n.created_at` }
}

/**
 * Notifications read by their user's read mark (migration 0014), the mark set `read_days` ago:
 * per tenant with a policy, each user whose mark is that old, their covered rows (those numbered
 * up to the mark without their own state) from the oldest number, on `notifications_seq`. A
 * covered row read earlier on its own is found by the `read_at` walk as well.
 */
function byMark(tenants: RawBuilder<unknown>, o: { now: Date; chunk: number }) {
  return sql`SELECT n.tenant_id, n.id FROM (${tenants}) t
    JOIN read_marks rm ON rm.tenant_id = t.id
      AND rm.at < ${o.now}::timestamptz - make_interval(days => t.days)
    CROSS JOIN LATERAL (
      SELECT n.tenant_id, n.id FROM notifications n
      WHERE n.tenant_id = rm.tenant_id AND n.recipient_id = rm.user_id
        AND n.seq <= rm.up_to AND NOT n.own_state
      ORDER BY n.seq LIMIT ${o.chunk}
    ) n
    LIMIT ${o.chunk}`
}

/**
 * Deletes at most `chunk` notifications of one kind in one statement. For each tenant in turn a
 * lateral subquery walks its index from the oldest end, and the outer LIMIT stops the walk once
 * the chunk is full, so a tenant with nothing to delete costs one index probe and a chunk never
 * reads more rows than it deletes.
 */
export async function purge(
  db: Kysely<Database>,
  kind: PurgeKind,
  o: { tenantId: string | null; now: Date; chunk: number },
): Promise<Purged[]> {
  const p = plan(kind, o.tenantId, o.now)
  const walk = sql`SELECT n.tenant_id, n.id FROM (${p.tenants}) t
      CROSS JOIN LATERAL (
        SELECT n.tenant_id, n.id FROM notifications n
        WHERE n.tenant_id = t.id AND ${p.where}
        ORDER BY ${p.order} LIMIT ${o.chunk}
      ) n
      LIMIT ${o.chunk}`
  const found = kind === 'read' ? sql`(${walk}) UNION (${byMark(p.tenants, o)})` : walk
  const query: RawBuilder<{ tenant_id: string; recipient_id: string; id: number | string }> = sql`
    WITH batch AS (SELECT * FROM (${found}) b LIMIT ${o.chunk})
    DELETE FROM notifications d USING batch b
    WHERE d.tenant_id = b.tenant_id AND d.id = b.id
    RETURNING d.tenant_id, d.recipient_id, d.id`
  const { rows } = await query.execute(db)
  return rows.map((r) => ({ tenantId: r.tenant_id, recipientId: r.recipient_id, id: Number(r.id) }))
}
