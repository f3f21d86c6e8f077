import type { Notification, Ref } from '../../../core/notification.ts'
import { kendoType } from './types.ts'

/** Laravel's default JSON date: microseconds and a `Z` (`2026-03-13T14:00:00.000000Z`). */
export const kendoTime = (d: Date): string => d.toISOString().replace(/Z$/, '000Z')

/** Kendo ids are integers; an id a producer sent as a non-numeric string is passed through. */
export const kendoId = (id: string): number | string =>
  /^(0|[1-9]\d{0,14})$/.test(id) ? Number(id) : id

/** A target is Kendo's issue when it says so or says nothing about its type. */
const isIssue = (r: Ref): boolean => r.type === null || r.type.toLowerCase() === 'issue'

function issueOf(n: Notification) {
  const t = n.target
  if (!t || !isIssue(t)) return null
  return {
    id: kendoId(t.id),
    key: t.key,
    title: t.title,
    project_id: n.project ? kendoId(n.project.id) : null,
  }
}

/** Later Kendo revisions' polymorphic subject, emitted as an extra key beside `issue`. */
function notifiableOf(n: Notification) {
  const t = n.target
  if (!t) return null
  return { type: t.type ?? 'issue', id: kendoId(t.id), key: t.key, title: t.title }
}

/** One notification as Kendo's list renders it. */
export function renderNotification(n: Notification) {
  const a = n.actor
  return {
    id: n.id,
    type: kendoType(n.type),
    message: n.title,
    read_at: n.readAt ? kendoTime(n.readAt) : null,
    created_at: kendoTime(n.createdAt),
    actor: a
      ? {
          id: kendoId(a.id),
          first_name: a.firstName,
          last_name: a.lastName,
          profile_picture: a.avatarUrl,
        }
      : null,
    issue: issueOf(n),
    notifiable: notifiableOf(n),
  }
}
