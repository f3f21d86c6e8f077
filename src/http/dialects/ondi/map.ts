import { Type as T } from 'typebox'
import type { Directory } from '../../../core/directory.ts'
import {
  EVERY_STATE,
  type InboxFilter,
  type PageNumbered,
  type Sort,
} from '../../../core/filters.ts'
import type { ListPage, Viewer } from '../../../core/inbox.ts'
import type { Notification } from '../../../core/notification.ts'
import type { StateChange } from '../../../core/store.ts'
import type { Surface } from '../../surface.ts'
import { badPagination, ondiError, tenantNotFound } from './errors.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v)

const LIMIT_MAX = 100
/** Ondi has no bound on `page`; Herald keeps one so the offset stays a sane number. */
const PAGE_MAX = 1_000_000
/** Ondi has no bound on how many ids one mark-read names; Herald keeps one. */
const IDS_MAX = 1000

/** Ondi has no dismissed or snoozed state: it sees, counts and marks every notification. */
export const UNREAD: InboxFilter = { ...EVERY_STATE, read: false }
export const READ: InboxFilter = { ...EVERY_STATE, read: true }
/** Newest first; notifications of one `created_at` by their public id (the UUID), descending. */
export const NEWEST_FIRST: Sort = { field: 'createdAt', direction: 'desc', tieBreak: 'uuid' }
export const MARK_READ: StateChange = { action: 'read' }

/** `Authorization: Bearer <token>`; anything else is no credential (401). */
export const credential: Surface['credential'] = (req) =>
  /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '')?.[1] ?? null

/**
 * Of a token's tenants, the one `tenant_id` names (compared as UUIDs: case does not matter), for a
 * user in several tenants; the token's own otherwise, and `inboxIn` answers any other tenant.
 */
export const chooseTenant: NonNullable<Surface['chooseTenant']> = (req, tenants) => {
  const named: unknown = (req.query as Record<string, unknown> | undefined)?.tenant_id
  if (!isUuid(named)) return undefined
  return tenants.find((t) => t.toLowerCase() === named.toLowerCase())
}

/**
 * The inbox a request is about: the caller's, in the tenant `tenant_id` names (the token's own
 * when absent or empty; for a token of several tenants, the one chosen among them, see
 * chooseTenant). Herald tokens always carry a tenant, so Ondi's "Tenant ID is required" cannot
 * arise: a token without one already failed as 401. Called first in every route, so these
 * refusals come after the body's parse errors (413, 415, bad JSON) and before every other check.
 */
export async function inboxIn(
  directory: Directory,
  caller: Viewer,
  tenantId: unknown,
): Promise<Viewer> {
  if (tenantId !== undefined && tenantId !== '') {
    if (!isUuid(tenantId)) throw ondiError(400, 'Invalid tenant ID')
    if (tenantId.toLowerCase() !== caller.tenantId.toLowerCase()) {
      const exists =
        (await directory.tenantExists(tenantId)) ||
        (await directory.tenantExists(tenantId.toLowerCase()))
      throw exists ? ondiError(403, 'Forbidden') : tenantNotFound()
    }
  }
  if (!(await directory.tenantExists(caller.tenantId))) throw tenantNotFound()
  return caller
}

/** A positive integer in plain digits, within `max`; empty or absent means the default. */
function positive(raw: unknown, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback
  if (typeof raw !== 'string' || !/^\d{1,16}$/.test(raw)) throw badPagination()
  const n = Number(raw)
  if (n < 1 || n > max) throw badPagination()
  return n
}

/**
 * The list's query as a numbered page and a filter; a repeated parameter is an invalid one, and so
 * is a `notification_type` longer than `maxText` (it becomes a list element in SQL).
 */
export function parseListQuery(query: Record<string, unknown>, maxText: number) {
  const page: PageNumbered = {
    kind: 'numbered',
    page: positive(query.page, 1, PAGE_MAX),
    size: positive(query.limit, 20, LIMIT_MAX),
  }
  const filter: InboxFilter = { ...EVERY_STATE }
  const readStatus = query.read_status
  if (readStatus === 'true' || readStatus === 'false') filter.read = readStatus === 'true'
  else if (readStatus !== undefined && readStatus !== '') {
    throw ondiError(400, 'Invalid read_status')
  }
  const type = query.notification_type
  // A NUL is not a type name: no stored type can hold one.
  const invalid = typeof type !== 'string' || type.includes('\u0000') || type.length > maxText
  if (type !== undefined && invalid) {
    throw ondiError(400, 'Invalid notification_type')
  }
  if (type) filter.types = [type]
  return { page, filter }
}

/**
 * The ids a mark-read body names, as sent (core judges them), or null for "every unread one":
 * no body, no `notification_ids`, or an empty list.
 */
export function parseMarkReadBody(body: unknown): unknown[] | null {
  if (body === undefined) return null
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw ondiError(400, 'Request body must be a JSON object')
  }
  if (!Object.hasOwn(body, 'notification_ids')) return null
  const ids = (body as { notification_ids: unknown }).notification_ids
  if (!Array.isArray(ids)) throw ondiError(400, 'notification_ids must be an array')
  if (ids.length > IDS_MAX) {
    throw ondiError(400, `notification_ids may hold at most ${IDS_MAX} IDs`)
  }
  return ids.length === 0 ? null : ids
}

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
function renderNotification(n: Notification) {
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

/** `unread_count` is the whole inbox's, whatever the filter and page. */
export function renderList(found: ListPage, page: PageNumbered, unread: number) {
  const total = found.total ?? 0
  return {
    success: true,
    message: 'Notifications retrieved successfully',
    notifications: found.items.map(renderNotification),
    total,
    page: page.page,
    limit: page.size,
    total_pages: Math.ceil(total / page.size),
    unread_count: unread,
  }
}

export const renderMarkRead = (updated: number) => ({
  success: true,
  message: 'Notifications marked as read',
  updated_count: updated,
})

export const renderStats = ({ unread, read }: { unread: number; read: number }) => ({
  success: true,
  message: 'Notification statistics retrieved successfully',
  stats: { total: unread + read, unread, read },
})

const NotificationOut = T.Object({
  id: T.String(),
  tenant_id: T.String(),
  user_id: T.String(),
  notification_type: T.String(),
  title: T.String(),
  message: T.String(),
  data: T.Unknown(),
  is_read: T.Boolean(),
  read_at: T.Union([T.String(), T.Null()]),
  created_at: T.String(),
  updated_at: T.String(),
})

const envelope = { success: T.Boolean(), message: T.String() }

export const ListOut = T.Object(
  {
    ...envelope,
    notifications: T.Array(NotificationOut),
    total: T.Integer(),
    page: T.Integer(),
    limit: T.Integer(),
    total_pages: T.Integer(),
    unread_count: T.Integer(),
  },
  { description: "A page of the caller's notifications, with the unread count" },
)

export const MarkReadOut = T.Object(
  { ...envelope, updated_count: T.Integer() },
  { description: 'How many notifications were marked read' },
)

export const StatsOut = T.Object(
  {
    ...envelope,
    stats: T.Object({ total: T.Integer(), unread: T.Integer(), read: T.Integer() }),
  },
  { description: "The caller's counts" },
)
