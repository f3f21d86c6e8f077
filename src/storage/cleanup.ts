import { type Kysely, sql } from 'kysely'
import type { Database } from './schema.ts'

/** Where the walk over `messages` stopped: the next chunk starts after this key. */
export interface MessageCursor {
  tenantId: string
  id: number
}

/**
 * Deletes at most `chunk` idempotency keys created before `cutoff`, oldest first; of one tenant
 * when `tenantId` is given (by hand: its keys are found among the old ones of every tenant).
 */
export async function purgeIdempotencyKeys(
  db: Kysely<Database>,
  cutoff: Date,
  chunk: number,
  tenantId: string | null = null,
): Promise<number> {
  const one = tenantId === null ? sql`` : sql`AND tenant_id = ${tenantId}`
  const res = await sql`DELETE FROM idempotency_keys WHERE (tenant_id, key) IN (
      SELECT tenant_id, key FROM idempotency_keys WHERE created_at < ${cutoff} ${one}
      ORDER BY created_at LIMIT ${chunk})`.execute(db)
  return Number(res.numAffectedRows ?? 0)
}

/**
 * Deletes at most `chunk` scheduled sends that finished (delivered, cancelled, failed) before
 * `cutoff`, oldest first: their idempotency keys then stop guarding, as an ordinary send's do.
 */
export async function purgeFinishedSchedules(
  db: Kysely<Database>,
  cutoff: Date,
  chunk: number,
): Promise<number> {
  const res = await sql`DELETE FROM scheduled_sends WHERE (tenant_id, id) IN (
      SELECT tenant_id, id FROM scheduled_sends WHERE finished_at < ${cutoff}
      ORDER BY finished_at LIMIT ${chunk})`.execute(db)
  return Number(res.numAffectedRows ?? 0)
}

/**
 * Deletes up to `chunk` broadcasts no member will be given any more: past their expiry, or older
 * than their tenant's `all_days` (their copies would be purged as soon as made). Their messages
 * are then orphans unless copies point at them, and go with the message walk.
 */
export async function purgeBroadcasts(
  db: Kysely<Database>,
  now: Date,
  chunk: number,
  tenantId: string | null = null,
): Promise<number> {
  const only = tenantId === null ? sql`` : sql`AND b.tenant_id = ${tenantId}`
  const res = await sql`DELETE FROM broadcasts WHERE (tenant_id, seq) IN (
      SELECT b.tenant_id, b.seq FROM broadcasts b
      LEFT JOIN retention_policies p ON p.tenant_id = b.tenant_id
      WHERE (b.expires_at <= ${now}
        OR b.created_at < ${now}::timestamptz - p.all_days * interval '1 day') ${only}
      LIMIT ${chunk})`.execute(db)
  return Number(res.numAffectedRows ?? 0)
}

/**
 * Walks the next `chunk` messages after `after` (in key order) and deletes those no notification
 * points at any more. The walk is keyset-bounded, not "find any orphan": finding orphans among
 * millions of live messages would scan them all in one statement. A message is only ever pointed
 * at by the transaction that inserts it (its notifications, or its broadcast, whose copies come
 * later), so one seen without either stays orphaned.
 * Returns what was deleted and where to go on from (null: the walk reached the end). With
 * `tenantId`, the walk covers that tenant's messages only.
 */
export async function purgeOrphanMessages(
  db: Kysely<Database>,
  after: MessageCursor | null,
  chunk: number,
  tenantId: string | null = null,
): Promise<{ deleted: number; next: MessageCursor | null }> {
  const conds = [
    ...(after ? [sql`(tenant_id, id) > (${after.tenantId}, ${after.id})`] : []),
    ...(tenantId === null ? [] : [sql`tenant_id = ${tenantId}`]),
  ]
  const from = conds.length > 0 ? sql`WHERE ${sql.join(conds, sql` AND `)}` : sql``
  const { rows } = await sql<{ deleted: number; tenant_id: string | null; id: number | null }>`
    WITH batch AS (
      SELECT tenant_id, id FROM messages ${from} ORDER BY tenant_id, id LIMIT ${chunk}
    ), gone AS (
      DELETE FROM messages m USING batch b
      WHERE m.tenant_id = b.tenant_id AND m.id = b.id
        AND NOT EXISTS (SELECT 1 FROM notifications n
          WHERE n.tenant_id = m.tenant_id AND n.message_id = m.id)
        AND NOT EXISTS (SELECT 1 FROM broadcasts bc
          WHERE bc.tenant_id = m.tenant_id AND bc.message_id = m.id)
      RETURNING 1
    ), last AS (
      SELECT tenant_id, id, count(*) OVER () AS n FROM batch ORDER BY tenant_id DESC, id DESC LIMIT 1
    )
    SELECT (SELECT count(*) FROM gone)::int AS deleted, last.tenant_id, last.id, last.n::int AS n
    FROM (SELECT 1) one LEFT JOIN last ON true`.execute(db)
  const row = rows[0] as (typeof rows)[number] & { n: number | null }
  const full = row.n !== null && row.n >= chunk
  const next =
    full && row.tenant_id !== null && row.id !== null
      ? { tenantId: row.tenant_id, id: Number(row.id) }
      : null
  return { deleted: Number(row.deleted), next }
}
