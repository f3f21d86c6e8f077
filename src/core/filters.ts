/** `exclude` hides matching rows, `only` keeps nothing else, `include` ignores the state. */
export type Tristate = 'exclude' | 'include' | 'only'

export interface TimeRange {
  gt?: Date
  gte?: Date
  lt?: Date
  lte?: Date
}

/** Everything one user's inbox can be filtered on. Every field narrows (AND). */
export interface InboxFilter {
  ids?: number[]
  uuids?: string[]
  types?: string[]
  read?: boolean
  /** Seen means `seen_at` is set, or the notification is not newer than the inbox checkpoint. */
  seen?: boolean
  /** Dismissed (archived) notifications; default `exclude`. */
  dismissed?: Tristate
  /** Notifications snoozed until a later time; default `exclude`. */
  snoozed?: Tristate
  actorId?: string
  /** Case-insensitive prefix of the actor's username. */
  actorUsernamePrefix?: string
  /**
   * Case-insensitive SQL LIKE pattern on the actor's username: `%` and `_` are wildcards and `\`
   * escapes, for dialects whose contract matches that way. Actorless notifications never match.
   */
  actorUsernameLike?: string
  projectId?: string
  targetId?: string
  /** Target types, compared case-insensitively. */
  targetTypes?: string[]
  parentId?: string
  groupKey?: string
  createdAt?: TimeRange
  lastActionAt?: TimeRange
  important?: boolean
  mention?: boolean
  /** Equality on top-level keys of the custom data. */
  data?: Record<string, string | number | boolean | null>
  /** Only notifications with an id up to this one: "everything I have seen so far". */
  maxId?: number
}

/**
 * Every notification the user still has, dismissed and snoozed ones included: what operations
 * that name no state (delete all, a dialect without dismiss) act on.
 */
export const EVERY_STATE: Readonly<InboxFilter> = Object.freeze({
  dismissed: 'include',
  snoozed: 'include',
})

export const SORT_FIELDS = [
  'createdAt',
  'lastActionAt',
  'id',
  'type',
  'actorId',
  'projectId',
  'read',
] as const
export type SortField = (typeof SORT_FIELDS)[number]

export interface Sort {
  field: SortField
  direction: 'asc' | 'desc'
  /** Where nulls go; PostgreSQL's default (first when descending) when absent. */
  nulls?: 'first' | 'last'
  /**
   * For `type`: the type keys in the order to sort them (a dialect's integer enumeration); a key
   * not listed sorts as a null. Absent: by the key's text.
   */
  rank?: string[]
  /**
   * For `actorId` and `projectId`: compare ids as integers (as systems with integer ids do); an id
   * that is not all digits sorts as a null. Absent: by the id's text.
   */
  numeric?: boolean
  /**
   * What orders rows with the same sort value: Herald's numeric id (the default), or the public
   * UUID (Ondi's contract: ties by `id`, its UUID, descending). Both go the sort's direction. A
   * UUID tie-break works with numbered pages only: cursors carry the numeric id.
   */
  tieBreak?: 'id' | 'uuid'
}

export const DEFAULT_SORT: Sort = { field: 'createdAt', direction: 'desc' }

/** Keyset pages (`cursor`) for the native API; numbered pages with a total for dialects. */
export type Page = PageKeyset | PageNumbered
export interface PageKeyset {
  kind: 'keyset'
  limit: number
  /** Start after this position in `createdAt` order (the only order keyset pages use). */
  after?: Keyset
}
export interface Keyset {
  at: Date
  id: number
}
export interface PageNumbered {
  kind: 'numbered'
  page: number
  size: number
}

export const PAGE_LIMIT_DEFAULT = 20
export const PAGE_LIMIT_MAX = 100
