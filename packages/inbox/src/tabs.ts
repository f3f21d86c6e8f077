import type { ListQuery, Notification } from '@herald/client'
import type { InboxStrings } from './strings.ts'

/** A list filter the host adds as a tab: the query parameters of `GET /v1/me/notifications`. */
export type TabFilter = Omit<ListQuery, 'cursor' | 'limit' | 'sort'>

/**
 * A tab of the panel. The built-in ones are `unread`, `all` and `archived`; a host adds its own
 * through the `tabs` property, e.g. `{ id: 'mentions', label: 'Mentions', filter: { mention: true } }`.
 */
export interface InboxTab {
  id: string
  label: string
  filter: TabFilter
}

export const BUILT_IN = ['unread', 'all', 'archived'] as const

export function builtInTabs(s: InboxStrings): InboxTab[] {
  return [
    { id: 'unread', label: s.tabUnread, filter: { read: false } },
    { id: 'all', label: s.tabAll, filter: {} },
    { id: 'archived', label: s.tabArchived, filter: { dismissed: 'only' } },
  ]
}

type Tri = 'exclude' | 'include' | 'only'

const tri = (mode: Tri | undefined, value: boolean): boolean =>
  mode === 'include' ? true : mode === 'only' ? value : !value

const sameId = (want: string | undefined, have: { id: string } | null): boolean =>
  want === undefined || have?.id === want

/** Filter keys this file can judge in the browser; any other makes the tab refetch instead. */
const JUDGED = new Set([
  'type',
  'read',
  'seen',
  'dismissed',
  'snoozed',
  'important',
  'mention',
  'actorId',
  'projectId',
  'targetId',
  'parentId',
  'groupKey',
])

/**
 * Whether a notification belongs in a tab, judged as the server would (dismissed and snoozed
 * ones are left out unless the filter asks for them), or `undefined` when the filter uses
 * something only the server can judge (dates, custom data, a username prefix).
 */
export function belongs(n: Notification, f: TabFilter): boolean | undefined {
  for (const [k, v] of Object.entries(f)) if (v !== undefined && !JUDGED.has(k)) return undefined
  const types = f.type
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean)
  return (
    (types === undefined || types.length === 0 || types.includes(n.type)) &&
    (f.read === undefined || f.read === n.read) &&
    (f.seen === undefined || f.seen === n.seen) &&
    tri(f.dismissed, n.dismissed) &&
    tri(f.snoozed, n.snoozedUntil !== null) &&
    (f.important === undefined || f.important === n.important) &&
    (f.mention === undefined || f.mention === n.mention) &&
    (f.actorId === undefined || n.actor?.id === f.actorId) &&
    sameId(f.projectId, n.project) &&
    sameId(f.targetId, n.target) &&
    sameId(f.parentId, n.parent) &&
    (f.groupKey === undefined || n.groupKey === f.groupKey)
  )
}

/** Newest first, as the server lists: by creation time, then by id. */
export function newerFirst(a: Notification, b: Notification): number {
  const t = Date.parse(b.createdAt) - Date.parse(a.createdAt)
  return t !== 0 ? t : b.id - a.id
}
