import { type Kysely, sql } from 'kysely'
import type { Audience, SendRecord } from '../core/store.ts'
import type { Database } from './schema.ts'

/** The state a send's rows start in (an import may start them read, seen or archived). */
export const initialState = (s: SendRecord) => ({
  seen_at: s.seenAt,
  read_at: s.readAt,
  archived_at: s.archivedAt,
  snoozed_until: s.snoozedUntil,
  expires_at: s.expiresAt,
  last_action_at: s.lastActionAt,
})

type Wide = Exclude<Audience, { kind: 'users' }>

/**
 * The audience's members, as one SELECT of ids: a topic's subscribers, or the tenant's enabled
 * users and its past recipients who are not users. The two parts never overlap, so counting
 * them is a sum and needs no de-duplication (a UNION would hash a million ids first).
 */
const members = (tenantId: string, a: Wide) =>
  a.kind === 'topic'
    ? [
        sql`SELECT user_id FROM topic_subscriptions
          WHERE tenant_id = ${tenantId} AND topic = ${a.topic}`,
      ]
    : [
        sql`SELECT id FROM users WHERE tenant_id = ${tenantId} AND NOT disabled`,
        sql`SELECT user_id FROM recipients r WHERE tenant_id = ${tenantId} AND NOT EXISTS (
          SELECT 1 FROM users u WHERE u.tenant_id = ${tenantId} AND u.id = r.user_id)`,
      ]

/** How many members the audience has, counted up to `cap` (null: all of them). */
export async function countAudience(
  db: Kysely<Database>,
  tenantId: string,
  a: Wide,
  cap: number | null,
): Promise<number> {
  let total = 0
  for (const part of members(tenantId, a)) {
    const left = cap === null ? null : cap - total
    if (left !== null && left <= 0) break
    const limit = left === null ? sql`` : sql`LIMIT ${left}`
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM (${part} ${limit}) p`.execute(db)
    total += Number(rows[0]?.n ?? 0)
  }
  return total
}

/** Records the broadcast: one row, whatever the audience's size. */
export async function insertBroadcast(
  db: Kysely<Database>,
  s: SendRecord,
  a: Wide,
  at: { message: number; seq: number },
): Promise<void> {
  await db
    .insertInto('broadcasts')
    .values({
      tenant_id: s.tenantId,
      seq: at.seq,
      message_id: at.message,
      topic: a.kind === 'topic' ? a.topic : null,
      type: s.content.type,
      critical: s.critical,
      created_at: s.createdAt,
      ...initialState(s),
    })
    .execute()
}

/** The tenant's latest broadcast number; 0 when it has none. */
export async function latestBroadcast(db: Kysely<Database>, tenantId: string): Promise<number> {
  const { rows } = await sql<{ seq: number | null }>`
    SELECT max(seq) AS seq FROM broadcasts WHERE tenant_id = ${tenantId}`.execute(db)
  return Number(rows[0]?.seq ?? 0)
}

/**
 * Copies the broadcasts the user has not had into their own notification rows, in one
 * statement, and moves their cursor to the latest broadcast this statement saw; returns that
 * number. A broadcast reaches the user when they were a member when it was sent (a topic's
 * subscriber, or one of the tenant's enabled users or past recipients, since before `sent_at`),
 * it has not expired, and their preferences (as they are now) let its type through, as a send
 * judges them. Racing reads of the same user insert one row (the unique
 * `(tenant_id, recipient_id, broadcast_seq)` index); the cursor only moves forward.
 */
export async function catchUp(
  db: Kysely<Database>,
  tenantId: string,
  userId: string,
  now: Date,
): Promise<number> {
  const t = tenantId
  const u = userId
  const { rows } = await sql<{ seq: number | null }>`
    WITH cur AS (
      SELECT coalesce((SELECT seq FROM broadcast_cursors
        WHERE tenant_id = ${t} AND user_id = ${u}), 0) AS seq
    ), todo AS (
      SELECT b.* FROM broadcasts b
      WHERE b.tenant_id = ${t} AND b.seq > (SELECT seq FROM cur)
    ), due AS (
      SELECT b.* FROM todo b
      WHERE (b.expires_at IS NULL OR b.expires_at > ${now})
        AND CASE WHEN b.topic IS NULL THEN (
          EXISTS (SELECT 1 FROM users x WHERE x.tenant_id = ${t} AND x.id = ${u}
            AND NOT x.disabled AND x.created_at <= b.sent_at)
          OR EXISTS (SELECT 1 FROM recipients r WHERE r.tenant_id = ${t} AND r.user_id = ${u}
            AND r.created_at <= b.sent_at
            AND NOT EXISTS (SELECT 1 FROM users x WHERE x.tenant_id = ${t} AND x.id = ${u})))
        ELSE EXISTS (SELECT 1 FROM topic_subscriptions ts WHERE ts.tenant_id = ${t}
          AND ts.topic = b.topic AND ts.user_id = ${u} AND ts.created_at <= b.sent_at)
        END
        AND (b.critical OR ${wanted(t, u)})
    ), ins AS (
      INSERT INTO notifications (tenant_id, recipient_id, message_id, type, created_at, seen_at,
        read_at, archived_at, snoozed_until, expires_at, last_action_at, seq, broadcast_seq)
      SELECT ${t}, ${u}, message_id, type, created_at, seen_at, read_at, archived_at,
        snoozed_until, expires_at, last_action_at, seq, seq
      FROM due ORDER BY seq
      ON CONFLICT (tenant_id, recipient_id, broadcast_seq) WHERE broadcast_seq IS NOT NULL
      DO NOTHING
      RETURNING 1
    ), moved AS (
      INSERT INTO broadcast_cursors (tenant_id, user_id, seq)
      SELECT ${t}, ${u}, max(seq) FROM todo HAVING max(seq) IS NOT NULL
      ON CONFLICT (tenant_id, user_id) DO UPDATE
        SET seq = greatest(broadcast_cursors.seq, excluded.seq)
      RETURNING seq
    )
    SELECT coalesce((SELECT seq FROM moved), (SELECT seq FROM cur)) AS seq,
      (SELECT count(*) FROM ins) AS made`.execute(db)
  return Number(rows[0]?.seq ?? 0)
}

/**
 * Whether the user's preferences let a broadcast's type (`b.type`) into their inbox: their
 * setting for the type, else for its category (the first by name that lists it), else the
 * tenant's default for the type, else the category's default, else yes. The send path's
 * `mutes` in `send-store.ts` decides the same for a set of recipients.
 */
const wanted = (t: string, u: string) => sql`coalesce(
  (SELECT in_app FROM user_preferences WHERE tenant_id = ${t} AND user_id = ${u}
    AND kind = 'type' AND name = b.type),
  (SELECT p.in_app FROM user_preferences p WHERE p.tenant_id = ${t} AND p.user_id = ${u}
    AND p.kind = 'category' AND p.name = (SELECT c.name FROM preference_categories c
      WHERE c.tenant_id = ${t} AND b.type = ANY(c.types) ORDER BY c.name LIMIT 1)),
  (SELECT in_app FROM tenant_preferences WHERE tenant_id = ${t} AND type = b.type),
  (SELECT c.in_app FROM preference_categories c
    WHERE c.tenant_id = ${t} AND b.type = ANY(c.types) ORDER BY c.name LIMIT 1),
  true)`
