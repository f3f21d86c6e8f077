import type { InboxFilter, Keyset, Page, Sort } from './filters.ts'
import type { Content, Notification, User } from './notification.ts'

/** What core needs from storage. `storage/` implements it; nothing else writes SQL. */
/**
 * A message's content that may be large, shared by all of its recipients: its `data` and
 * `actions` as the JSON text the store keeps (`null` and `[]` when it has none), for a stream to
 * write as they are, never parsed and serialised again.
 */
export interface MessageContent {
  data: string
  actions: string
}

/** A notification as `Store.since` reads it: its message's `data` and `actions` left out. */
export interface StreamNotification extends Omit<Notification, 'data' | 'actions'> {
  messageId: number
}

export interface Store {
  ensureTenant(tenantId: string, name?: string | null): Promise<void>
  tenantExists(tenantId: string): Promise<boolean>

  upsertUser(user: UserInput): Promise<User>
  getUser(tenantId: string, userId: string): Promise<User | null>
  findUserByUsername(tenantId: string, username: string): Promise<User | null>
  /**
   * Deletes the user, their notifications, checkpoint, subscriptions and preferences, and records
   * when (the messages they acted in keep their snapshot); false when the tenant never had them
   * (neither in the directory nor a past recipient).
   */
  deleteUser(tenantId: string, userId: string): Promise<boolean>
  /** When each of these users was last deleted, for those that ever were (absent otherwise). */
  deletedUsers(tenantId: string, userIds: string[]): Promise<Map<string, Date>>
  listUsers(tenantId: string, after: string | null, limit: number): Promise<User[]>

  setSubscriptions(tenantId: string, topic: string, add: string[], remove: string[]): Promise<void>
  listSubscribers(tenantId: string, topic: string): Promise<string[]>

  /** Creates the notifications of one send in one transaction, with its idempotency record. */
  /** Null when another send already holds the idempotency key (read it with findIdempotent). */
  send(input: SendRecord, idempotency: IdempotencyRecord | null): Promise<SendResult | null>
  findIdempotent(tenantId: string, key: string): Promise<{ hash: string; response: unknown } | null>

  list(scope: Scope, filter: InboxFilter, sort: Sort, page: Page): Promise<ListResult>
  /** Any recipient's notification in the tenant, by numeric id or UUID. */
  findOne(tenantId: string, id: number | string): Promise<Notification | null>
  /** Which of these ids exist (unexpired at `now`) in the tenant, and whose they are. */
  owners(tenantId: string, ids: Array<number | string>, now: Date): Promise<Map<string, string>>
  /**
   * The user's notifications with an event number past `after`, in event (commit) order, without
   * their message's `data` and `actions`: a stream reads those once per message
   * (`messageContent`), not once per recipient.
   */
  since(scope: Scope, after: number, limit: number): Promise<StreamNotification[]>
  /** The `data` and `actions` of these messages of the tenant (those still stored), by id, as JSON text. */
  messageContent(tenantId: string, messageIds: number[]): Promise<Map<number, MessageContent>>
  /**
   * How many of the user's notifications have an event number past `after`, counted only up to
   * `cap` (expired ones included): whether a replay fits, without reading the rows.
   */
  countSince(scope: Scope, after: number, cap: number): Promise<number>
  /** The highest event number among the user's notifications; 0 when none. */
  latestSeq(tenantId: string, userId: string): Promise<number>
  /** The tenant's latest broadcast number; 0 when it has none. */
  latestBroadcast(tenantId: string): Promise<number>
  /**
   * Copies the broadcasts the user has not had yet into their notifications, and returns the
   * broadcast number they are now current with.
   */
  catchUpBroadcasts(tenantId: string, userId: string, now: Date): Promise<number>
  count(scope: Scope, filters: InboxFilter[], cap: number | null): Promise<number[]>
  countByType(scope: Scope, filter: InboxFilter): Promise<Record<string, number>>
  /** Applies a state change to every match, in bounded chunks; returns how many rows changed. */
  update(scope: Scope, change: StateChange, filter: InboxFilter): Promise<number>
  remove(scope: Scope, filter: InboxFilter): Promise<number>
  /**
   * Marks every notification of the user read by moving their read mark past every committed
   * send (one row), leaving dismissed or snoozed ones as they are where `keep` says; returns how
   * many became read, or with a `cap`, that count if it is at most `cap` and some number above
   * `cap` if not (the count stops early). Notifications committed later stay unread.
   */
  markAllRead(scope: Scope, keep: MarkAllKeep, cap: number | null): Promise<number>

  getCheckpoint(tenantId: string, userId: string): Promise<Checkpoint | null>
  setCheckpoint(
    tenantId: string,
    userId: string,
    at: Date,
    mode: 'upsert' | 'insert' | 'update',
  ): Promise<Checkpoint | null>

  /** Stores a send to deliver later; null when the tenant's idempotency key is already taken. */
  schedule(row: ScheduleRecord): Promise<ScheduledRow | null>
  findScheduled(
    tenantId: string,
    by: { id: string } | { key: string },
  ): Promise<ScheduledRow | null>
  /** The tenant's scheduled sends in `(sendAt, id)` order, after `after`, optionally of one status. */
  listScheduled(
    tenantId: string,
    status: ScheduleStatus | null,
    after: { at: Date; id: string } | null,
    limit: number,
  ): Promise<ScheduledRow[]>
  /** Cancels it if it is still waiting (waits for a delivery under way); null otherwise. */
  cancelScheduled(tenantId: string, id: string, at: Date): Promise<ScheduledRow | null>
  /**
   * Claims one scheduled send due at `now` that no one else holds, in a transaction; runs
   * `deliver` with a store bound to that transaction; marks the row delivered with its result;
   * commits. Null when nothing is due. If `deliver` throws, everything rolls back and the row
   * stays waiting.
   */
  deliverDue(
    now: Date,
    deliver: (row: ScheduledRow, tx: Store) => Promise<SendResult>,
  ): Promise<ScheduledRow | null>
  /** Marks a still-waiting scheduled send failed, with why. */
  failScheduled(tenantId: string, id: string, error: ScheduleError, at: Date): Promise<void>
  /** Whether the user is in the tenant's directory or has ever been sent a notification. */
  isKnownUser(tenantId: string, userId: string): Promise<boolean>
  getTenantPreferences(tenantId: string): Promise<TenantPreferences>
  /** Replaces them, and drops users' settings for categories that no longer exist. */
  setTenantPreferences(tenantId: string, prefs: TenantPreferences): Promise<void>
  getUserPreferences(tenantId: string, userId: string): Promise<UserPreferences>
  setUserPreferences(tenantId: string, userId: string, prefs: UserPreferences): Promise<void>
  /** The tenant's retention policy; null when it has none (keep everything). */
  getRetention(tenantId: string): Promise<RetentionPolicy | null>
  /** Replaces it; both periods null removes it. */
  setRetention(tenantId: string, policy: RetentionPolicy): Promise<void>
  /**
   * Deletes at most `chunk` notifications of one kind, of one tenant or (null) of every tenant,
   * in one statement: expired ones (`expires_at` not after `now`), or those past the tenant's
   * policy (read or dismissed, or any, for long enough). Returns what it deleted.
   */
  purge(
    kind: PurgeKind,
    o: { tenantId: string | null; now: Date; chunk: number },
  ): Promise<Purged[]>

  ping(): Promise<void>
}

export type ScheduleStatus = 'scheduled' | 'delivered' | 'cancelled' | 'failed'

export interface ScheduleError {
  code: string
  message: string
}

export interface ScheduleRecord {
  tenantId: string
  sendAt: Date
  /** The validated request as JSON (core's SendInput). */
  request: unknown
  requestHash: string
  idempotencyKey: string | null
}

export interface ScheduledRow extends ScheduleRecord {
  id: string
  status: ScheduleStatus
  createdAt: Date
  /** When it was delivered, cancelled or failed. */
  finishedAt: Date | null
  result: SendResult | null
  error: ScheduleError | null
}

/**
 * A tenant's retention: read or dismissed notifications are deleted `readDays` days after they
 * were first read or dismissed, and every notification `allDays` days after it was created. Null
 * keeps them. Expired notifications (`expiresAt` past) are deleted whatever the policy.
 */
export interface RetentionPolicy {
  readDays: number | null
  allDays: number | null
}

export type PurgeKind = 'expired' | 'read' | 'old'

/** One notification a purge deleted. */
export interface Purged {
  tenantId: string
  recipientId: string
  id: number
}

/** Which notifications a mark-all leaves as they are (its filter's default exclusions). */
export interface MarkAllKeep {
  dismissed: boolean
  snoozed: boolean
}

export interface Checkpoint {
  at: Date
}

/** One user's inbox at one moment: what every inbox query is relative to. */
export interface Scope {
  tenantId: string
  userId: string
  now: Date
}

export type StateChange =
  | { action: 'read' | 'unread' | 'seen' | 'unseen' | 'dismiss' | 'undismiss' | 'unsnooze' }
  | { action: 'snooze'; until: Date }

export interface ListResult {
  items: Notification[]
  /** Numbered pages only. */
  total?: number
  /** Keyset pages only: the position after the last item, when there is a next page. */
  next?: Keyset
}

export interface UserInput {
  tenantId: string
  id: string
  username?: string | null
  displayName?: string | null
  firstName?: string | null
  lastName?: string | null
  avatarUrl?: string | null
  email?: string | null
  admin?: boolean
  disabled?: boolean
  permissions?: string[]
}

export type Audience =
  | { kind: 'users'; ids: string[] }
  | { kind: 'topic'; topic: string }
  | { kind: 'tenant' }

export interface SendRecord {
  tenantId: string
  content: Content
  audience: Audience
  createdAt: Date
  seenAt: Date | null
  readAt: Date | null
  archivedAt: Date | null
  snoozedUntil: Date | null
  expiresAt: Date | null
  groupKey: string | null
  lastActionAt: Date | null
  /** Keep only this many newest notifications per recipient after the send. */
  keepLatest: number | null
  /** Reaches every recipient, whatever their preferences. */
  critical: boolean
  /**
   * A topic or tenant send with at least this many members is stored once as a broadcast, which
   * each member's next read copies into their inbox; null: always a row per recipient.
   */
  broadcastMin: number | null
}

export interface IdempotencyRecord {
  key: string
  hash: string
  /** Builds the stored response from the send's result. */
  response: (result: SendResult) => unknown
}

export interface SendResult {
  messageId: number
  /** Recipients who got the notification. */
  recipients: number
  /** Recipients the audience named who had turned the notification's type off. */
  skipped: number
  /** Each recipient's notification; omitted past `SEND_DETAIL_LIMIT` recipients. */
  notifications: Array<{ recipientId: string; id: number; uuid: string }> | null
  /**
   * Set when the send was stored as a broadcast: its event number. `recipients` is then the
   * audience's size when sent; preferences apply as each member reads.
   */
  broadcastSeq?: number
}

export const SEND_DETAIL_LIMIT = 100

/** One setting: whether notifications of a type (or a category of types) reach the inbox. */
export interface Setting {
  inApp: boolean
}

/** A user's own settings, by type and by category; what is absent follows the tenant. */
export interface UserPreferences {
  types: Record<string, Setting>
  categories: Record<string, Setting>
}

/** A category: a named set of types, with the tenant's default for them (null: none). */
export interface Category {
  types: string[]
  inApp: boolean | null
}

/** The tenant's categories and its defaults per type. */
export interface TenantPreferences {
  categories: Record<string, Category>
  types: Record<string, Setting>
}
