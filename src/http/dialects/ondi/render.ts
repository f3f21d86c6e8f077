import { Type as T } from 'typebox'
import type { Notification } from '../../../core/notification.ts'

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null)

/** Ondi has no "updated" column in Herald: the latest thing that happened to the row stands in. */
function updatedAt(n: Notification): Date {
  let latest = n.createdAt
  for (const d of [n.seenAt, n.readAt, n.archivedAt, n.lastActionAt]) {
    if (d && d > latest) latest = d
  }
  return latest
}

/**
 * One notification on Ondi's wire. `notification_type` is Ondi's free string and Herald's type
 * key verbatim: Ondi has no enumeration, so there is no table to translate through.
 */
export function renderNotification(n: Notification) {
  return {
    id: n.uuid,
    tenant_id: n.tenantId,
    user_id: n.recipientId,
    notification_type: n.type,
    title: n.title,
    message: n.body,
    data: n.data,
    is_read: n.readAt !== null,
    read_at: iso(n.readAt),
    created_at: n.createdAt.toISOString(),
    updated_at: updatedAt(n).toISOString(),
  }
}

const Nullable = <S extends ReturnType<typeof T.String>>(s: S) => T.Union([s, T.Null()])

export const NotificationOut = T.Object({
  id: T.String(),
  tenant_id: T.String(),
  user_id: T.String(),
  notification_type: T.String(),
  title: T.String(),
  message: T.String(),
  data: T.Unknown(),
  is_read: T.Boolean(),
  read_at: Nullable(T.String()),
  created_at: T.String(),
  updated_at: T.String(),
})

const envelope = { success: T.Boolean(), message: T.String() }

export const ListOut = T.Object({
  ...envelope,
  notifications: T.Array(NotificationOut),
  total: T.Integer(),
  page: T.Integer(),
  limit: T.Integer(),
  total_pages: T.Integer(),
  unread_count: T.Integer(),
})

export const MarkReadOut = T.Object({ ...envelope, updated_count: T.Integer() })

export const StatsOut = T.Object({
  ...envelope,
  stats: T.Object({ total: T.Integer(), unread: T.Integer(), read: T.Integer() }),
})
