import { Type as T } from 'typebox'
import type { Notification } from '../../../core/notification.ts'
import { typeNameOf } from './types.ts'

const IntOrNull = T.Union([T.Integer(), T.Null()])
const StrOrNull = T.Union([T.String(), T.Null()])

const ITEM = {
  messageId: T.Integer(),
  subject: T.String(),
  message: T.String(),
  fromUsername: StrOrNull,
  displayPictureUrl: StrOrNull,
  projectId: IntOrNull,
  projectTitle: StrOrNull,
  taskId: IntOrNull,
  messageType: StrOrNull,
  sentDate: T.String(),
  read: T.Boolean(),
}

export const ListItemOut = T.Object(ITEM)
export const SingleOut = T.Object({ ...ITEM, fromUserId: IntOrNull })
export const ListOut = T.Object({
  pagination: T.Object({
    hasNext: T.Boolean(),
    hasPrev: T.Boolean(),
    nextNum: IntOrNull,
    page: T.Integer(),
    pages: T.Integer(),
    prevNum: IntOrNull,
    perPage: T.Integer(),
    total: T.Integer(),
  }),
  userMessages: T.Array(ListItemOut),
})

/** TM ids are integers; a Herald id that is not one (or too large for JSON) renders as null. */
export const intId = (id: string | null | undefined): number | null => {
  if (id === null || id === undefined || !/^\d{1,16}$/.test(id)) return null
  const n = Number(id)
  return Number.isSafeInteger(n) ? n : null
}

/** Python's `naive_utc.isoformat() + "Z"`: microseconds only when non-zero. */
export function sentDate(d: Date): string {
  const iso = d.toISOString()
  const ms = d.getUTCMilliseconds()
  const base = `${iso.slice(0, iso.indexOf('.'))}`
  return ms === 0 ? `${base}Z` : `${base}.${String(ms).padStart(3, '0')}000Z`
}

/** One message as TM's list renders it (no `fromUserId` there: TM excludes it). */
export function listItem(n: Notification) {
  const messageType = typeNameOf(n.type)
  const projectId = intId(n.project?.id)
  return {
    messageId: n.id,
    subject: n.title,
    message: n.body,
    fromUsername: n.actor?.username ?? null,
    displayPictureUrl: n.actor?.avatarUrl ?? null,
    projectId,
    projectTitle: projectId === null || messageType === null ? null : (n.project?.title ?? ''),
    taskId: intId(n.target?.id),
    messageType,
    sentDate: sentDate(n.createdAt),
    read: n.readAt !== null,
  }
}

export const singleItem = (n: Notification) => ({ ...listItem(n), fromUserId: intId(n.actor?.id) })

/** Flask-SQLAlchemy's pagination block, as TM's list returns it. */
export function pagination(page: number, perPage: number, total: number) {
  const pages = Math.ceil(total / perPage)
  const hasNext = page < pages
  const hasPrev = page > 1
  return {
    hasNext,
    hasPrev,
    nextNum: hasNext ? page + 1 : null,
    page,
    pages,
    prevNum: hasPrev ? page - 1 : null,
    perPage,
    total,
  }
}
