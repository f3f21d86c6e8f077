import { type Insertable, type Kysely, type Selectable, sql } from 'kysely'
import type { Content, Ref } from '../core/notification.ts'
import {
  type Audience,
  type IdempotencyRecord,
  SEND_DETAIL_LIMIT,
  type SendRecord,
  type SendResult,
} from '../core/store.ts'
import { countAudience, insertBroadcast } from './broadcast-store.ts'
import type { Database, MessagesTable, NotificationsTable } from './schema.ts'

/** Recipients per INSERT statement: one statement per chunk, never one per row. */
export const SEND_CHUNK = 5_000

type RefPrefix = 'project' | 'target' | 'parent' | 'root'
type RefColumns<P extends RefPrefix> = Pick<
  Insertable<MessagesTable>,
  `${P}_${'id' | 'type' | 'title' | 'key' | 'label'}`
>

// TypeScript types keys computed from a generic prefix as a plain string index, so the result is
// asserted to be the schema's reference columns: the one part of the insert not checked by key.
const refColumns = <P extends RefPrefix>(p: P, r: Ref | null) =>
  ({
    [`${p}_id`]: r?.id ?? null,
    [`${p}_type`]: r?.type ?? null,
    [`${p}_title`]: r?.title ?? null,
    [`${p}_key`]: r?.key ?? null,
    [`${p}_label`]: r?.label ?? null,
  }) as RefColumns<P>

const messageRow = (tenantId: string, c: Content, createdAt: Date): Insertable<MessagesTable> => ({
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
  actions: c.actions.length === 0 ? null : JSON.stringify(c.actions),
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
  // Every user the tenant has: those of its directory, and everyone it ever sent to, except the
  // users it disabled.
  const { rows } = await sql<{ id: string }>`
    SELECT id FROM users WHERE tenant_id = ${tenantId} AND NOT disabled
    UNION
    SELECT user_id FROM recipients r WHERE tenant_id = ${tenantId} AND NOT EXISTS (
      SELECT 1 FROM users u WHERE u.tenant_id = ${tenantId} AND u.id = r.user_id AND u.disabled)
  `.execute(db)
  return rows.map((r) => r.id)
}

/**
 * The statement parts that leave out recipients who turned the send's type off: the type's
 * category and the tenant's default (`cat`, `dflt`, computed once), then one join of the
 * recipients to the settings of that type and that category, a set read on the
 * (tenant, kind, name) index. A user's type setting wins over their category setting (`kind
 * DESC`: 'type' sorts after 'category'); without either, the tenant's default applies. A
 * critical send joins nothing.
 */
function mutes(s: SendRecord) {
  if (s.critical) return { ctes: [], join: sql``, where: sql`` }
  const t = s.tenantId
  const type = s.content.type
  return {
    ctes: [
      sql`cat AS (SELECT name, in_app FROM preference_categories
        WHERE tenant_id = ${t} AND ${type}::text = ANY(types) ORDER BY name LIMIT 1)`,
      sql`dflt AS (SELECT coalesce(
        (SELECT in_app FROM tenant_preferences WHERE tenant_id = ${t} AND type = ${type}),
        (SELECT in_app FROM cat), true) AS in_app)`,
    ],
    join: sql`LEFT JOIN (
        SELECT DISTINCT ON (user_id) user_id, in_app FROM user_preferences
        WHERE tenant_id = ${t} AND ((kind = 'type' AND name = ${type})
          OR (kind = 'category' AND name = (SELECT name FROM cat)))
        ORDER BY user_id, kind DESC
      ) pref ON pref.user_id = r`,
    where: sql`WHERE coalesce(pref.in_app, (SELECT in_app FROM dflt))`,
  }
}

/**
 * Remembers who was sent to, so a later send to the whole tenant reaches them. The tenant
 * audience is already all of them.
 */
const remember = (s: SendRecord, ids: string[]) =>
  s.audience.kind === 'tenant'
    ? []
    : [
        sql`known AS (INSERT INTO recipients (tenant_id, user_id)
          SELECT ${s.tenantId}, u FROM unnest(${ids}::text[]) AS u ON CONFLICT DO NOTHING)`,
      ]

/** What a chunk's insert returns for each created (or folded) notification. */
type Created = Pick<Selectable<NotificationsTable>, 'id' | 'uuid' | 'recipient_id' | 'message_id'>

/**
 * The tenant's next event number. Its row lock holds until the send commits, so within a tenant a
 * larger number always commits later: what lets a stream replay by number without holes.
 */
const nextSeq = (tenantId: string) =>
  sql<{ event_seq: number }>`INSERT INTO tenants (id, event_seq) VALUES (${tenantId}, 1)
    ON CONFLICT (id) DO UPDATE SET event_seq = tenants.event_seq + 1 RETURNING event_seq`

/** A chunk's new (or folded) notifications, listed when asked, and how many there are. */
interface ChunkResult {
  rows: Created[]
  delivered: number
  /** The message the statement inserted (`'cte'` mode). */
  messageId?: number
}

/**
 * Inserts one chunk of recipients, leaving out those who turned the type off. `message` and
 * `seq` are the message id and the send's event number, or `'cte'` when the same statement
 * inserts the message and takes the number.
 */
async function insertChunk(
  db: Kysely<Database>,
  s: SendRecord,
  at: { message: number; seq: number } | 'cte',
  ids: string[],
  detail: boolean,
): Promise<ChunkResult> {
  // A grouped send folds into the recipient's existing notification of the same group. The state
  // becomes the send's initial state: unread and unseen unless the send (an import) says otherwise.
  const onGroup = s.groupKey
    ? sql`ON CONFLICT (tenant_id, recipient_id, group_key) WHERE group_key IS NOT NULL DO UPDATE SET
        message_id = excluded.message_id, type = excluded.type,
        activity_count = notifications.activity_count + 1,
        last_action_at = excluded.last_action_at, expires_at = excluded.expires_at,
        read_at = excluded.read_at, seen_at = excluded.seen_at,
        archived_at = excluded.archived_at, snoozed_until = excluded.snoozed_until,
        seq = excluded.seq`
    : sql``
  const returning = detail ? sql`RETURNING id, uuid::text AS uuid, recipient_id, message_id` : sql``
  const cte = at === 'cte'
  const muted = mutes(s)
  const ctes = [
    ...(cte ? [sql`m AS (${insertMessage(db, s)})`, sql`q AS (${nextSeq(s.tenantId)})`] : []),
    ...muted.ctes,
    ...remember(s, ids),
  ]
  const messageId = cte ? sql`m.id` : sql`${at.message}`
  const seq = cte ? sql`q.event_seq` : sql`${at.seq}`
  const from = cte
    ? sql`unnest(${ids}::text[]) AS r CROSS JOIN m CROSS JOIN q`
    : sql`unnest(${ids}::text[]) AS r`
  const insert = sql`INSERT INTO notifications (tenant_id, recipient_id, message_id, type,
      created_at, seen_at, read_at, archived_at, snoozed_until, expires_at, group_key,
      last_action_at, seq)
    SELECT ${s.tenantId}, r, ${messageId}, ${s.content.type}, ${s.createdAt}, ${s.seenAt},
      ${s.readAt}, ${s.archivedAt}, ${s.snoozedUntil}, ${s.expiresAt}, ${s.groupKey},
      ${s.lastActionAt}, ${seq}
    FROM ${from} ${muted.join} ${muted.where}
    ${onGroup}`
  if (cte) {
    // The message's id comes back even when every recipient was left out.
    const res = await sql<Created & { id: number | null }>`
      WITH ${sql.join(ctes)}, ins AS (${insert} ${returning})
      SELECT m.id AS message_id, ins.id, ins.uuid, ins.recipient_id FROM m LEFT JOIN ins ON true
    `.execute(db)
    const rows = res.rows.filter((r) => r.id !== null)
    return { rows, delivered: rows.length, messageId: Number(res.rows[0]?.message_id) }
  }
  const res = await sql<Created>`${ctes.length > 0 ? sql`WITH ${sql.join(ctes)}` : sql``}
    ${insert} ${returning}`.execute(db)
  return {
    rows: res.rows,
    delivered: detail ? res.rows.length : Number(res.numAffectedRows ?? 0),
  }
}

const insertMessage = (db: Kysely<Database>, s: SendRecord) =>
  db
    .insertInto('messages')
    .values(messageRow(s.tenantId, s.content, s.createdAt))
    .returning('id')

/** A created (or folded) row as the send reports it. */
const created = (r: Created) => ({ recipientId: r.recipient_id, id: r.id, uuid: r.uuid })

/**
 * The common case, a send to a few named users with no idempotency key and no cap, is one
 * statement (message and notifications together), which commits on its own: no transaction
 * round trips.
 */
async function sendSmall(db: Kysely<Database>, s: SendRecord, ids: string[]): Promise<SendResult> {
  const { rows, delivered, messageId } = await insertChunk(db, s, 'cte', ids, true)
  return {
    messageId: Number(messageId),
    recipients: delivered,
    skipped: ids.length - delivered,
    notifications: rows.map(created),
  }
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
  // Inside a transaction already (a scheduled send's delivery), the send joins it.
  const inTransaction = <R>(fn: (tx: Kysely<Database>) => Promise<R>) =>
    db.isTransaction ? fn(db) : db.transaction().execute(fn)
  return inTransaction(async (tx) => {
    if (idem) {
      const claimed = await tx
        .insertInto('idempotency_keys')
        .values({ tenant_id: s.tenantId, key: idem.key, request_hash: idem.hash, response: '{}' })
        .onConflict((oc) => oc.doNothing())
        .returning('key')
        .executeTakeFirst()
      if (!claimed) return null
    }
    const wide = broadcastable(s)
    if (wide && s.broadcastMin !== null) {
      const members = await countAudience(tx, s.tenantId, wide, s.broadcastMin)
      if (members >= s.broadcastMin) return broadcast(tx, s, wide, idem)
    }
    const ids = [...new Set(await resolveAudience(tx, s.tenantId, s.audience))]
    const message = await tx
      .insertInto('messages')
      .values(messageRow(s.tenantId, s.content, s.createdAt))
      .returning('id')
      .executeTakeFirstOrThrow()
    const detail = ids.length <= SEND_DETAIL_LIMIT
    const notifications: SendResult['notifications'] = detail ? [] : null
    // Taken last, just before the rows: the tenant's row lock is held until commit.
    const { rows: taken } = await nextSeq(s.tenantId).execute(tx)
    const seq = Number(taken[0]?.event_seq)
    let delivered = 0
    for (let i = 0; i < ids.length; i += SEND_CHUNK) {
      const chunk = ids.slice(i, i + SEND_CHUNK)
      const done = await insertChunk(tx, s, { message: message.id, seq }, chunk, detail)
      notifications?.push(...done.rows.map(created))
      delivered += done.delivered
    }
    if (s.keepLatest !== null && ids.length > 0) await trim(tx, s.tenantId, ids, s.keepLatest)
    const result: SendResult = {
      messageId: message.id,
      recipients: delivered,
      skipped: ids.length - delivered,
      notifications,
    }
    await record(tx, s, idem, result)
    return result
  })
}

async function record(
  tx: Kysely<Database>,
  s: SendRecord,
  idem: IdempotencyRecord | null,
  result: SendResult,
) {
  if (!idem) return
  await tx
    .updateTable('idempotency_keys')
    .set({ response: JSON.stringify(idem.response(result)) })
    .where('tenant_id', '=', s.tenantId)
    .where('key', '=', idem.key)
    .execute()
}

/**
 * The audience of a send that may become a broadcast: a topic or the tenant, with no group key
 * (folding is per recipient) and no per-user cap (trimming is per recipient).
 */
const broadcastable = (s: SendRecord) =>
  s.audience.kind !== 'users' && s.groupKey === null && s.keepLatest === null ? s.audience : null

/**
 * The send as one `broadcasts` row, in the caller's transaction: the message, the tenant's next
 * event number, the row, and the audience's size for the answer.
 */
async function broadcast(
  tx: Kysely<Database>,
  s: SendRecord,
  wide: Exclude<SendRecord['audience'], { kind: 'users' }>,
  idem: IdempotencyRecord | null,
): Promise<SendResult> {
  const message = await insertMessage(tx, s).executeTakeFirstOrThrow()
  const members = await countAudience(tx, s.tenantId, wide, null)
  const { rows: taken } = await nextSeq(s.tenantId).execute(tx)
  const seq = Number(taken[0]?.event_seq)
  await insertBroadcast(tx, s, wide, { message: message.id, seq })
  const result: SendResult = {
    messageId: message.id,
    recipients: members,
    skipped: 0,
    notifications: null,
    broadcastSeq: seq,
  }
  await record(tx, s, idem, result)
  return result
}
