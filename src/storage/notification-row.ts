import { type Kysely, type Selectable, sql } from 'kysely'
import type { InboxFilter, Sort } from '../core/filters.ts'
import type { Notification, Ref } from '../core/notification.ts'
import { covered, needsMessage } from './filter-sql.ts'
import type { Database, MessagesTable, NotificationsTable } from './schema.ts'

/** A notification as selected: the recipient's row and its message's content, typed by the schema. */
export type NotificationRow = Omit<
  Selectable<NotificationsTable>,
  'message_id' | 'broadcast_seq' | 'own_state'
> &
  Omit<Selectable<MessagesTable>, 'tenant_id' | 'id' | 'type' | 'created_at'>

const REF_PREFIXES = ['project', 'target', 'parent', 'root'] as const
const REF_PARTS = ['id', 'type', 'title', 'key', 'label'] as const
type RefPrefix = (typeof REF_PREFIXES)[number]

const RECIPIENT_COLUMNS = [
  'n.id',
  'n.tenant_id',
  'n.recipient_id',
  'n.type',
  'n.created_at',
  'n.archived_at',
  'n.snoozed_until',
  'n.expires_at',
  'n.group_key',
  'n.activity_count',
  'n.last_action_at',
  'n.seq',
] as const

/** The message's columns but `data` and `actions` (which may be large: see Store.since). */
const THIN_CONTENT_COLUMNS = [
  'm.title',
  'm.body',
  'm.link',
  'm.source',
  'm.important',
  'm.mention',
  'm.automated',
  'm.actor_id',
  'm.actor_username',
  'm.actor_display_name',
  'm.actor_first_name',
  'm.actor_last_name',
  'm.actor_avatar_url',
  ...REF_PREFIXES.flatMap((p) => REF_PARTS.map((k) => `m.${p}_${k}` as const)),
] as const

/** Notifications `n` joined to their messages `m`. */
const joined = (db: Kysely<Database>) =>
  db
    .selectFrom('notifications as n')
    .innerJoin('messages as m', (j) =>
      j.onRef('m.tenant_id', '=', 'n.tenant_id').onRef('m.id', '=', 'n.message_id'),
    )

/**
 * Notifications `n`, joined to messages `m` only when the filter or sort reads a column of `m`:
 * counts and bulk changes on the thin table alone stay on its indexes.
 */
export const source = (db: Kysely<Database>, f: InboxFilter, sort?: Sort) =>
  db.selectFrom('notifications as n').$if(needsMessage(f, sort), () => joined(db))

/**
 * A state the recipient's read mark (migration 0014) may stand in for: the row's own time, or
 * the mark's when the mark covers the row (marked all read: read, and seen, then).
 */
const byMark = (column: 'read_at' | 'seen_at') =>
  sql<Date | null>`COALESCE(${sql.ref(`n.${column}`)},
    CASE WHEN ${covered(sql`rm.up_to`)} THEN rm.at END)`.as(column)

/**
 * Every column of a `NotificationRow` but the message's `data` and `actions`, read and seen as
 * the recipient's read mark has them.
 */
const selectRecipientRows = (db: Kysely<Database>) =>
  joined(db)
    .leftJoin('read_marks as rm', (j) =>
      j.onRef('rm.tenant_id', '=', 'n.tenant_id').onRef('rm.user_id', '=', 'n.recipient_id'),
    )
    .select(RECIPIENT_COLUMNS)
    .select([byMark('read_at'), byMark('seen_at')])
    .select(THIN_CONTENT_COLUMNS)
    .select((eb) => eb.cast<string>('n.uuid', 'text').as('uuid'))

/** Every column of a `NotificationRow` (a list's rows: no message id, which none of them reads). */
export const selectNotifications = (db: Kysely<Database>) =>
  selectRecipientRows(db).select(['m.data', 'm.actions'])

/**
 * Every column of a `NotificationRow` but the message's `data` and `actions`, with the message's
 * id: what a stream reads per recipient (see Store.since).
 */
export const selectThin = (db: Kysely<Database>) => selectRecipientRows(db).select('n.message_id')

const ref = (r: Omit<NotificationRow, 'data' | 'actions'>, p: RefPrefix): Ref | null => {
  const id = r[`${p}_id`]
  if (id === null) return null
  return {
    id,
    type: r[`${p}_type`],
    title: r[`${p}_title`],
    key: r[`${p}_key`],
    label: r[`${p}_label`],
  }
}

/**
 * A row as the notification it is. `data` and `actions` are added to the thin object rather
 * than the thin object copied into a new one: a page makes twenty of these (same members, same
 * order as a copy would have).
 */
export const toNotification = (r: NotificationRow): Notification => {
  const n = toThin(r) as Notification
  n.data = r.data
  n.actions = r.actions ?? []
  return n
}

/** A row of `selectThin` as the notification it is, without `data` and `actions`. */
export const toThin = (r: Omit<NotificationRow, 'data' | 'actions'>) => ({
  id: r.id,
  uuid: r.uuid,
  tenantId: r.tenant_id,
  recipientId: r.recipient_id,
  type: r.type,
  title: r.title,
  body: r.body,
  link: r.link,
  source: r.source,
  actor:
    r.actor_id === null
      ? null
      : {
          id: r.actor_id,
          username: r.actor_username,
          displayName: r.actor_display_name,
          firstName: r.actor_first_name,
          lastName: r.actor_last_name,
          avatarUrl: r.actor_avatar_url,
        },
  project: ref(r, 'project'),
  target: ref(r, 'target'),
  parent: ref(r, 'parent'),
  root: ref(r, 'root'),
  important: r.important,
  mention: r.mention,
  automated: r.automated,
  createdAt: r.created_at,
  seenAt: r.seen_at,
  readAt: r.read_at,
  archivedAt: r.archived_at,
  snoozedUntil: r.snoozed_until,
  expiresAt: r.expires_at,
  groupKey: r.group_key,
  activityCount: r.activity_count,
  lastActionAt: r.last_action_at,
  seq: r.seq,
})
