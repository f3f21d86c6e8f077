import { type Insertable, type Kysely, type RawBuilder, type Selectable, sql } from 'kysely'
import type { Content } from '../core/notification.ts'
import {
  type Audience,
  type IdempotencyRecord,
  SEND_DETAIL_LIMIT,
  type SendRecord,
  type SendResult,
} from '../core/store.ts'
import { countAudience, initialState, insertBroadcast } from './broadcast-store.ts'
import type { Database, MessagesTable, NotificationsTable } from './schema.ts'

/** Recipients per INSERT statement: one statement per chunk, never one per row. */
export const SEND_CHUNK = 5_000

/**
 * A message's row. Every column is written out: a literal that spreads an object and then adds
 * keys (`{ ...refs, data }`) takes V8's slow path, tens of µs per send on the hot path.
 */
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
  project_id: c.project?.id ?? null,
  project_type: c.project?.type ?? null,
  project_title: c.project?.title ?? null,
  project_key: c.project?.key ?? null,
  project_label: c.project?.label ?? null,
  target_id: c.target?.id ?? null,
  target_type: c.target?.type ?? null,
  target_title: c.target?.title ?? null,
  target_key: c.target?.key ?? null,
  target_label: c.target?.label ?? null,
  parent_id: c.parent?.id ?? null,
  parent_type: c.parent?.type ?? null,
  parent_title: c.parent?.title ?? null,
  parent_key: c.parent?.key ?? null,
  parent_label: c.parent?.label ?? null,
  root_id: c.root?.id ?? null,
  root_type: c.root?.type ?? null,
  root_title: c.root?.title ?? null,
  root_key: c.root?.key ?? null,
  root_label: c.root?.label ?? null,
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
function mutes(s: SendRecord, n = '') {
  if (s.critical) return { ctes: [], join: sql``, where: sql`` }
  const t = s.tenantId
  const type = s.content.type
  const cat = sql.raw(`cat${n}`)
  const dflt = sql.raw(`dflt${n}`)
  return {
    ctes: [
      sql`${cat} AS (SELECT name, in_app FROM preference_categories
        WHERE tenant_id = ${t} AND ${type}::text = ANY(types) ORDER BY name LIMIT 1)`,
      sql`${dflt} AS (SELECT coalesce(
        (SELECT in_app FROM tenant_preferences WHERE tenant_id = ${t} AND type = ${type}),
        (SELECT in_app FROM ${cat}), true) AS in_app)`,
    ],
    join: sql`LEFT JOIN (
        SELECT DISTINCT ON (user_id) user_id, in_app FROM user_preferences
        WHERE tenant_id = ${t} AND ((kind = 'type' AND name = ${type})
          OR (kind = 'category' AND name = (SELECT name FROM ${cat})))
        ORDER BY user_id, kind DESC
      ) pref ON pref.user_id = r`,
    where: sql`WHERE coalesce(pref.in_app, (SELECT in_app FROM ${dflt}))`,
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
 * Takes the tenant's next `count` event numbers; the last one comes back. Its row lock holds
 * until the send commits, so within a tenant a larger number always commits later: what lets a
 * stream replay by number without holes.
 */
const nextSeq = (tenantId: string, count = 1) =>
  sql<{
    event_seq: number
  }>`INSERT INTO tenants (id, event_seq) VALUES (${tenantId}, ${sql.lit(count)})
    ON CONFLICT (id) DO UPDATE SET event_seq = tenants.event_seq + ${sql.lit(count)}
    RETURNING event_seq`

/** A chunk's new (or folded) notifications, listed when asked, and how many there are. */
interface ChunkResult {
  rows: Created[]
  delivered: number
}

/**
 * A grouped send folds into the recipient's existing notification of the same group. The state
 * becomes the send's initial state: unread and unseen unless the send (an import) says otherwise.
 */
const FOLD = sql`ON CONFLICT (tenant_id, recipient_id, group_key) WHERE group_key IS NOT NULL
  DO UPDATE SET message_id = excluded.message_id, type = excluded.type,
    activity_count = notifications.activity_count + 1,
    last_action_at = excluded.last_action_at, expires_at = excluded.expires_at,
    read_at = excluded.read_at, seen_at = excluded.seen_at,
    archived_at = excluded.archived_at, snoozed_until = excluded.snoozed_until,
    seq = excluded.seq`

/**
 * The notifications insert of one send: its recipients (`from` names them `r`), less those who
 * turned the type off (`muted`), with the message id and event number given as SQL.
 */
function notificationsInsert(
  s: SendRecord,
  from: RawBuilder<unknown>,
  muted: ReturnType<typeof mutes>,
  messageId: RawBuilder<unknown>,
  seq: RawBuilder<unknown>,
) {
  const onGroup = s.groupKey ? FOLD : sql``
  return sql`INSERT INTO notifications (tenant_id, recipient_id, message_id, type,
      created_at, seen_at, read_at, archived_at, snoozed_until, expires_at, group_key,
      last_action_at, seq)
    SELECT ${s.tenantId}, r, ${messageId}, ${s.content.type}, ${s.createdAt}, ${s.seenAt},
      ${s.readAt}, ${s.archivedAt}, ${s.snoozedUntil}, ${s.expiresAt}, ${s.groupKey},
      ${s.lastActionAt}, ${seq}
    FROM ${from} ${muted.join} ${muted.where}
    ${onGroup}`
}

/**
 * Inserts one chunk of recipients of a send whose message and event number are taken, leaving
 * out those who turned the type off.
 */
async function insertChunk(
  db: Kysely<Database>,
  s: SendRecord,
  at: { message: number; seq: number },
  ids: string[],
  detail: boolean,
): Promise<ChunkResult> {
  const muted = mutes(s)
  const ctes = [...muted.ctes, ...remember(s, ids)]
  const insert = notificationsInsert(
    s,
    sql`unnest(${ids}::text[]) AS r`,
    muted,
    sql`${at.message}`,
    sql`${at.seq}`,
  )
  const returning = detail ? sql`RETURNING id, uuid::text AS uuid, recipient_id, message_id` : sql``
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

/** A send to a few named users, with no idempotency key and no cap: see `sendTogether`. */
export interface SmallSend {
  s: SendRecord
  /** Its recipients, each once. */
  ids: string[]
}

const REF_COLUMNS = ['project', 'target', 'parent', 'root'].flatMap((p) =>
  ['id', 'type', 'title', 'key', 'label'].map((c) => `${p}_${c}`),
)

/** The message columns a send writes, as `jsonb_to_recordset` reads them (data as JSON text). */
const MESSAGE_COLUMNS: Array<[string, string]> = [
  ...['type', 'title', 'body', 'link', 'source'].map((c): [string, string] => [c, 'text']),
  ...['id', 'username', 'display_name', 'first_name', 'last_name', 'avatar_url'].map(
    (c): [string, string] => [`actor_${c}`, 'text'],
  ),
  ...REF_COLUMNS.map((c): [string, string] => [c, 'text']),
  ['data', 'text'],
  ['actions', 'text'],
  ['important', 'boolean'],
  ['mention', 'boolean'],
  ['automated', 'boolean'],
  ['created_at', 'timestamptz'],
]

/** The notification columns each send sets, beside its recipients and whether it is critical. */
const STATE_COLUMNS = [
  'seen_at',
  'read_at',
  'archived_at',
  'snoozed_until',
  'expires_at',
  'last_action_at',
] as const

const RECORD = [
  'i integer',
  ...MESSAGE_COLUMNS.map(([c, t]) => `${c} ${t}`),
  ...STATE_COLUMNS.map((c) => `${c} timestamptz`),
  'group_key text',
  'critical boolean',
  'ids text[]',
].join(', ')

const messageValues = MESSAGE_COLUMNS.map(([c]) =>
  c === 'data' || c === 'actions' ? `s.${c}::jsonb` : `s.${c}`,
).join(', ')

/**
 * One send as a record of the statement's input: its message row (`tenant_id` in it is not read)
 * extended in place, which V8 does fast where a literal spreading the row would not.
 */
const inputRecord = ({ s, ids }: SmallSend, index: number) =>
  Object.assign(messageRow(s.tenantId, s.content, s.createdAt), initialState(s), {
    // From 1: the send's place among them, and what its event number is short of the last one.
    i: index + 1,
    group_key: s.groupKey,
    critical: s.critical,
    ids,
  })

/**
 * Sends to a few named users, all of one tenant, as one statement that commits on its own: each
 * send's message, the tenant's next event numbers (one per send, in the order given), the
 * recipients remembered, and each send's notifications less the recipients who turned its type
 * off. One send alone is the common case; the send queue (`send-queue.ts`) gives several at once
 * when they arrived while the tenant's previous statement ran, so that they share its row lock
 * and its commit.
 *
 * The sends travel as one JSON parameter, so the statement's text is the same for any number of
 * them (PostgreSQL parses and plans it once per connection). Message ids are drawn first, so each
 * send's notifications know theirs. Preferences are looked up per recipient (few): a user's type
 * setting wins over their category setting, then the tenant's default for the type, then the
 * type's category's (the first by name), then on; a critical send skips them.
 */
export async function sendTogether(
  db: Kysely<Database>,
  sends: SmallSend[],
): Promise<SendResult[]> {
  const first = sends[0]
  if (!first) return []
  const t = first.s.tenantId
  const grouped = sends.some((x) => x.s.groupKey !== null)
  const onGroup = grouped ? FOLD : sql``
  const input = JSON.stringify(sends.map(inputRecord))
  const res = await sql<Created & { i: number; id: number | null }>`
    WITH s AS MATERIALIZED (SELECT * FROM jsonb_to_recordset(${input}::jsonb) AS s(${sql.raw(RECORD)})),
    mid AS MATERIALIZED (SELECT s.i, nextval(pg_get_serial_sequence('messages', 'id')) AS id
      FROM s ORDER BY s.i),
    m AS (INSERT INTO messages (id, tenant_id, ${sql.raw(MESSAGE_COLUMNS.map(([c]) => c).join(', '))})
      OVERRIDING SYSTEM VALUE
      SELECT mid.id, ${t}, ${sql.raw(messageValues)} FROM s JOIN mid USING (i)),
    q AS (INSERT INTO tenants (id, event_seq) VALUES (${t}, (SELECT count(*) FROM s))
      ON CONFLICT (id) DO UPDATE SET event_seq = tenants.event_seq + excluded.event_seq
      RETURNING event_seq, (SELECT count(*) FROM s) AS k),
    known AS (INSERT INTO recipients (tenant_id, user_id)
      SELECT DISTINCT ${t}, u FROM s, unnest(s.ids) AS u ON CONFLICT DO NOTHING),
    kinds AS (SELECT s.i, c.name AS cat, coalesce(
        (SELECT in_app FROM tenant_preferences p WHERE p.tenant_id = ${t} AND p.type = s.type),
        c.in_app, true) AS dflt
      FROM s LEFT JOIN LATERAL (SELECT name, in_app FROM preference_categories
        WHERE tenant_id = ${t} AND s.type = ANY(types) ORDER BY name LIMIT 1) c ON true
      WHERE NOT s.critical),
    ins AS (INSERT INTO notifications (tenant_id, recipient_id, message_id, type, created_at,
        ${sql.raw(STATE_COLUMNS.join(', '))}, group_key, seq)
      SELECT ${t}, r, mid.id, s.type, s.created_at, ${sql.raw(STATE_COLUMNS.map((c) => `s.${c}`).join(', '))},
        s.group_key, q.event_seq - q.k + s.i
      FROM s JOIN mid USING (i) CROSS JOIN q CROSS JOIN LATERAL unnest(s.ids) AS r
        LEFT JOIN kinds USING (i)
        LEFT JOIN LATERAL (SELECT in_app FROM user_preferences p
          WHERE p.tenant_id = ${t} AND p.user_id = r AND NOT s.critical
            AND ((p.kind = 'type' AND p.name = s.type) OR (p.kind = 'category' AND p.name = kinds.cat))
          ORDER BY p.kind DESC LIMIT 1) pref ON true
      WHERE s.critical OR coalesce(pref.in_app, kinds.dflt)
      ${onGroup}
      RETURNING id, uuid::text AS uuid, recipient_id, message_id)
    SELECT mid.i, mid.id AS message_id, ins.id, ins.uuid, ins.recipient_id
    FROM mid LEFT JOIN ins ON ins.message_id = mid.id ORDER BY mid.i, ins.id`.execute(db)
  return sends.map(({ ids }, i) => {
    const mine = res.rows.filter((r) => r.i === i + 1)
    const rows = mine.filter((r) => r.id !== null)
    return {
      messageId: Number(mine[0]?.message_id),
      recipients: rows.length,
      skipped: ids.length - rows.length,
      notifications: rows.map(created),
    }
  })
}

async function trim(db: Kysely<Database>, tenantId: string, ids: string[], keep: number) {
  await sql`DELETE FROM notifications WHERE tenant_id = ${tenantId} AND id IN (
    SELECT id FROM (
      SELECT id, row_number() OVER (PARTITION BY recipient_id ORDER BY created_at DESC, id DESC) AS rn
      FROM notifications WHERE tenant_id = ${tenantId} AND recipient_id = ANY(${ids}::text[])
    ) ranked WHERE rn > ${keep})`.execute(db)
}

/**
 * Stores a send. A send to a few named users with no idempotency key and no cap is one statement
 * (`sendTogether`), through `queue` when one is given and the send is not inside a transaction.
 */
export async function send(
  db: Kysely<Database>,
  s: SendRecord,
  idem: IdempotencyRecord | null,
  queue?: (small: SmallSend) => Promise<SendResult>,
): Promise<SendResult | null> {
  if (!idem && s.keepLatest === null && s.audience.kind === 'users') {
    const ids = [...new Set(s.audience.ids)]
    if (ids.length > 0 && ids.length <= SEND_DETAIL_LIMIT) {
      if (queue && !db.isTransaction) return queue({ s, ids })
      const [result] = await sendTogether(db, [{ s, ids }])
      if (!result) throw new Error('a send to a few users came back without its result')
      return result
    }
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
