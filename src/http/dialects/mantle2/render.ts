import { Type as T } from 'typebox'
import type { Notification } from '../../../core/notification.ts'

/** Mantle2's four notification types; each is also the core type key it is stored under. */
export const MANTLE_TYPES = {
  info: 'info',
  warning: 'warning',
  error: 'error',
  success: 'success',
} as const satisfies Record<string, string>

export type MantleType = keyof typeof MANTLE_TYPES

const FROM_CORE = new Map<string, MantleType>(
  Object.entries(MANTLE_TYPES).map(([wire, key]) => [key, wire as MantleType]),
)

/** Core type keys Mantle2 has no word for render as `info`, the real service's fallback type. */
export const wireType = (coreKey: string): MantleType => FROM_CORE.get(coreKey) ?? 'info'

/** A wire type, or `info` for anything else, as the real create route coerces it. */
export const coreTypeOf = (wire: unknown): string =>
  typeof wire === 'string' && Object.hasOwn(MANTLE_TYPES, wire)
    ? MANTLE_TYPES[wire as MantleType]
    : MANTLE_TYPES.info

const HEX_ID = /^[0-9a-f]{32}$/

/** A wire notification id (32 lowercase hex) as the core UUID, or null if it is not one. */
export function uuidOf(wire: string): string | null {
  if (!HEX_ID.test(wire)) return null
  return `${wire.slice(0, 8)}-${wire.slice(8, 12)}-${wire.slice(12, 16)}-${wire.slice(16, 20)}-${wire.slice(20)}`
}

export const wireId = (uuid: string): string => uuid.replaceAll('-', '').toLowerCase()

/** Mantle2 pads the numeric user id to 24 characters (PHP str_pad, which never truncates). */
export const wireUserId = (userId: string): string => userId.padStart(24, '0')

export const unixSeconds = (d: Date): number => Math.floor(d.getTime() / 1000)

/** One notification, keys in the order `Notification::jsonSerialize` writes them. */
export function renderNotification(n: Notification) {
  return {
    id: wireId(n.uuid),
    title: n.title,
    user_id: wireUserId(n.recipientId),
    message: n.body,
    link: n.link,
    type: wireType(n.type),
    source: n.source ?? 'system',
    read: n.readAt !== null,
    created_at: unixSeconds(n.createdAt),
  }
}

export type WireNotification = ReturnType<typeof renderNotification>

/** The list envelope: the real service's keys, plus the document's page keys for its clients. */
export function renderList(items: Notification[]) {
  const rendered = items.map(renderNotification)
  return {
    unread_count: rendered.filter((n) => !n.read).length,
    has_warnings: rendered.some((n) => n.type === 'warning'),
    has_errors: rendered.some((n) => n.type === 'error'),
    items: rendered,
    page: 1,
    limit: rendered.length,
    total: rendered.length,
  }
}

export const NotificationOut = T.Object({
  id: T.String(),
  title: T.String(),
  user_id: T.String(),
  message: T.String(),
  link: T.Union([T.String(), T.Null()]),
  type: T.String(),
  source: T.String(),
  read: T.Boolean(),
  created_at: T.Integer(),
})

export const ListOut = T.Object({
  unread_count: T.Integer(),
  has_warnings: T.Boolean(),
  has_errors: T.Boolean(),
  items: T.Array(NotificationOut),
  page: T.Integer(),
  limit: T.Integer(),
  total: T.Integer(),
})
