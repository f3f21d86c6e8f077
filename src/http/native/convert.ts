import { invalid } from '../../core/errors.ts'
import type { InboxFilter } from '../../core/filters.ts'
import type { NotificationId } from '../../core/inbox.ts'
import type { Notification, User } from '../../core/notification.ts'
import type { FilterBody, ListQuery } from './schemas.ts'

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null)

/** A notification as the native API renders it. */
export function renderNotification(n: Notification, now = new Date()) {
  return {
    id: n.id,
    uuid: n.uuid,
    type: n.type,
    title: n.title,
    body: n.body,
    link: n.link,
    source: n.source,
    actor: n.actor,
    project: n.project,
    target: n.target,
    parent: n.parent,
    root: n.root,
    data: n.data,
    actions: n.actions,
    important: n.important,
    mention: n.mention,
    automated: n.automated,
    read: n.readAt !== null,
    seen: n.seenAt !== null,
    dismissed: n.archivedAt !== null,
    createdAt: n.createdAt.toISOString(),
    readAt: iso(n.readAt),
    seenAt: iso(n.seenAt),
    dismissedAt: iso(n.archivedAt),
    snoozedUntil:
      n.snoozedUntil && n.snoozedUntil.getTime() > now.getTime()
        ? n.snoozedUntil.toISOString()
        : null,
    expiresAt: iso(n.expiresAt),
    groupKey: n.groupKey,
    activityCount: n.activityCount,
    lastActionAt: iso(n.lastActionAt),
  }
}

export const renderUser = (u: User) => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  firstName: u.firstName,
  lastName: u.lastName,
  avatarUrl: u.avatarUrl,
  email: u.email,
  admin: u.admin,
  disabled: u.disabled,
  permissions: u.permissions,
  createdAt: u.createdAt.toISOString(),
  updatedAt: u.updatedAt.toISOString(),
})

/** A path id: digits are the numeric id, anything else is taken as a UUID. */
export const parseNotificationId = (raw: string | number): NotificationId =>
  typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : raw

function parseData(raw: string): InboxFilter['data'] {
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    throw invalid('data', 'must be a JSON object, e.g. {"priority":"high"}')
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid('data', 'must be a JSON object, e.g. {"priority":"high"}')
  }
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && typeof v === 'object') throw invalid(`data.${k}`, 'must be a scalar value')
  }
  return value as InboxFilter['data']
}

const time = (field: string, s: string | undefined): Date | undefined => {
  if (s === undefined) return undefined
  const d = new Date(s)
  if (Number.isNaN(d.getTime())) throw invalid(field, 'must be an ISO 8601 date-time')
  return d
}

const createdRange = (after?: string, before?: string): InboxFilter['createdAt'] =>
  after === undefined && before === undefined
    ? undefined
    : { gt: time('createdAfter', after), lt: time('createdBefore', before) }

type Common = Omit<FilterBody, 'types' | 'data' | 'upToId'>

const common = (q: Common): InboxFilter => ({
  read: q.read,
  seen: q.seen,
  dismissed: q.dismissed,
  snoozed: q.snoozed,
  actorId: q.actorId,
  actorUsernamePrefix: q.actorUsername,
  projectId: q.projectId,
  targetId: q.targetId,
  parentId: q.parentId,
  groupKey: q.groupKey,
  createdAt: createdRange(q.createdAfter, q.createdBefore),
  important: q.important,
  mention: q.mention,
})

const compact = (f: InboxFilter): InboxFilter =>
  Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as InboxFilter

/** As many types as a body's `types` may name: each is an element of a SQL list. */
const QUERY_TYPES_MAX = 100

export function filterFromQuery(q: ListQuery): InboxFilter {
  const named = q.type
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean)
  const types = named && [...new Set(named)]
  if (types && types.length > QUERY_TYPES_MAX) {
    throw invalid('querystring.type', `must name at most ${QUERY_TYPES_MAX} types`)
  }
  return compact({
    ...common(q),
    types: types && types.length > 0 ? types : undefined,
    data: q.data === undefined ? undefined : parseData(q.data),
  })
}

export function filterFromBody(b: FilterBody): InboxFilter {
  if (b.types?.length === 0) throw invalid('types', 'name at least one type')
  return compact({ ...common(b), types: b.types, data: b.data, maxId: b.upToId })
}
