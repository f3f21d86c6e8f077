import { type Kysely, sql } from 'kysely'
import type { Content, Ref } from '../core/notification.ts'
import {
  type Audience,
  type IdempotencyRecord,
  SEND_DETAIL_LIMIT,
  type SendRecord,
  type SendResult,
} from '../core/store.ts'
import type { Database } from './schema.ts'

/** Recipients per INSERT statement: one statement per chunk, never one per row. */
export const SEND_CHUNK = 5_000

const refColumns = (prefix: string, r: Ref | null) => ({
  [`${prefix}_id`]: r?.id ?? null,
  [`${prefix}_type`]: r?.type ?? null,
  [`${prefix}_title`]: r?.title ?? null,
  [`${prefix}_key`]: r?.key ?? null,
  [`${prefix}_label`]: r?.label ?? null,
})

const messageRow = (tenantId: string, c: Content, createdAt: Date) => ({
  tenant_id: tenantId,
  type: c.type,
  title: c.title,
  body: c.body,
  link: c.link,
  source: c.source,
  actor_id: c.actor?.id ?? null,
  actor_username: c.actor?.username ?? null,
  actor_display_name: c.actor?.displayName ?? null,
  actor_first_name: c.actor?.firstName ?? null,
  actor_last_name: c.actor?.lastName ?? null,
  actor_avatar_url: c.actor?.avatarUrl ?? null,
  ...refColumns('project', c.project),
  ...refColumns('target', c.target),
  ...refColumns('parent', c.parent),
  ...refColumns('root', c.root),
  data: c.data === null ? null : JSON.stringify(c.data),
  important: c.important,
  mention: c.mention,
  automated: c.automated,
  created_at: createdAt,
})

async function resolveAudience(db: Kysely<Database>, tenantId: string, a: Audience) {
  if (a.kind === 'users') return a.ids
  if (a.kind === 'topic') {
    const rows = await db
      .selectFrom('topic_subscriptions')
      .select('user_id')
      .where('tenant_id', '=', tenantId)
      .where('topic', '=', a.topic)
      .execute()
    return rows.map((r) => r.user_id)
  }
  const rows = await db
    .selectFrom('users')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('disabled', '=', false)
    .execute()
  return rows.map((r) => r.id)
}

/**
 * Inserts one chunk of recipients. `message` is the message id, or the CTE `m` when the message
 * row is inserted by the same statement.
 */
async function insertChunk(
  db: Kysely<Database>,
  s: SendRecord,
  message: number | 'cte',
  ids: string[],
  detail: boolean,
) {
  // A grouped send folds into the recipient's existing notification of the same group. The state
  // becomes the send's initial state: unread and unseen unless the send (an import) says otherwise.
  const onGroup = s.groupKey
    ? sql`ON CONFLICT (tenant_id, recipient_id, group_key) WHERE group_key IS NOT NULL DO UPDATE SET
        message_id = excluded.message_id, type = excluded.type,
        activity_count = notifications.activity_count + 1,
        last_action_at = excluded.last_action_at, expires_at = excluded.expires_at,
        read_at = excluded.read_at, seen_at = excluded.seen_at,
        archived_at = excluded.archived_at, snoozed_until = excluded.snoozed_until`
    : sql``
  const returning = detail ? sql`RETURNING id, uuid::text AS uuid, recipient_id, message_id` : sql``
  const withMessage = message === 'cte' ? sql`WITH m AS (${insertMessage(s)})` : sql``
  const messageId = message === 'cte' ? sql`m.id` : sql`${message}`
  const from =
    message === 'cte' ? sql`unnest(${ids}::text[]) AS r, m` : sql`unnest(${ids}::text[]) AS r`
  const res = await sql<{ id: number; uuid: string; recipient_id: string; message_id: number }>`
    ${withMessage}
    INSERT INTO notifications (tenant_id, recipient_id, message_id, type, created_at, seen_at,
      read_at, archived_at, snoozed_until, expires_at, group_key, last_action_at)
    SELECT ${s.tenantId}, r, ${messageId}, ${s.content.type}, ${s.createdAt}, ${s.seenAt},
      ${s.readAt}, ${s.archivedAt}, ${s.snoozedUntil}, ${s.expiresAt}, ${s.groupKey},
      ${s.lastActionAt}
    FROM ${from}
    ${onGroup} ${returning}`.execute(db)
  return res.rows
}

const insertMessage = (s: SendRecord) => {
  const row: Record<string, unknown> = messageRow(s.tenantId, s.content, s.createdAt)
  const cols = Object.keys(row)
  return sql`INSERT INTO messages (${sql.join(cols.map((c) => sql.ref(c)))})
    VALUES (${sql.join(cols.map((c) => sql`${row[c]}`))}) RETURNING id`
}

/** A created (or folded) row as the send reports it. */
const created = (r: { recipient_id: string; id: number; uuid: string }) => ({
  recipientId: r.recipient_id,
  id: Number(r.id),
  uuid: r.uuid,
})

/**
 * The common case, a send to a few named users with no idempotency key and no cap, is one
 * statement (message and notifications together), which commits on its own: no transaction
 * round trips.
 */
async function sendSmall(db: Kysely<Database>, s: SendRecord, ids: string[]): Promise<SendResult> {
  const rows = await insertChunk(db, s, 'cte', ids, true)
  const notifications = rows.map(created)
  return { messageId: Number(rows[0]?.message_id), recipients: ids.length, notifications }
}

async function trim(db: Kysely<Database>, tenantId: string, ids: string[], keep: number) {
  await sql`DELETE FROM notifications WHERE tenant_id = ${tenantId} AND id IN (
    SELECT id FROM (
      SELECT id, row_number() OVER (PARTITION BY recipient_id ORDER BY created_at DESC, id DESC) AS rn
      FROM notifications WHERE tenant_id = ${tenantId} AND recipient_id = ANY(${ids}::text[])
    ) ranked WHERE rn > ${keep})`.execute(db)
}

export async function send(
  db: Kysely<Database>,
  s: SendRecord,
  idem: IdempotencyRecord | null,
): Promise<SendResult | null> {
  if (!idem && s.keepLatest === null && s.audience.kind === 'users') {
    const ids = [...new Set(s.audience.ids)]
    if (ids.length > 0 && ids.length <= SEND_DETAIL_LIMIT) return sendSmall(db, s, ids)
  }
  return db.transaction().execute(async (tx) => {
    if (idem) {
      const claimed = await tx
        .insertInto('idempotency_keys')
        .values({ tenant_id: s.tenantId, key: idem.key, request_hash: idem.hash, response: '{}' })
        .onConflict((oc) => oc.doNothing())
        .returning('key')
        .executeTakeFirst()
      if (!claimed) return null
    }
    const ids = [...new Set(await resolveAudience(tx, s.tenantId, s.audience))]
    const message = await tx
      .insertInto('messages')
      .values(messageRow(s.tenantId, s.content, s.createdAt))
      .returning('id')
      .executeTakeFirstOrThrow()
    const detail = ids.length <= SEND_DETAIL_LIMIT
    const notifications: SendResult['notifications'] = detail ? [] : null
    for (let i = 0; i < ids.length; i += SEND_CHUNK) {
      const rows = await insertChunk(tx, s, message.id, ids.slice(i, i + SEND_CHUNK), detail)
      notifications?.push(...rows.map(created))
    }
    if (s.keepLatest !== null && ids.length > 0) await trim(tx, s.tenantId, ids, s.keepLatest)
    const result: SendResult = {
      messageId: message.id,
      recipients: ids.length,
      notifications,
    }
    if (idem) {
      await tx
        .updateTable('idempotency_keys')
        .set({ response: JSON.stringify(idem.response(result)) })
        .where('tenant_id', '=', s.tenantId)
        .where('key', '=', idem.key)
        .execute()
    }
    return result
  })
}
