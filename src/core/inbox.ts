import type { BroadcastCursors } from './broadcasts.ts'
import { decodeCursor, encodeCursor } from './cursor.ts'
import { HeraldError } from './errors.ts'
import type { EventBus, InboxEvent } from './events.ts'
import {
  DEFAULT_SORT,
  EVERY_STATE,
  type InboxFilter,
  PAGE_LIMIT_MAX,
  type PageNumbered,
  type Sort,
} from './filters.ts'
import type { Notification } from './notification.ts'
import type { Checkpoint, MarkAllKeep, Scope, StateChange, Store } from './store.ts'
import { webhookReporter } from './webhook-events.ts'
import type { WebhookSink } from './webhooks.ts'

/** The user whose inbox an operation reads or changes. */
export interface Viewer {
  tenantId: string
  userId: string
}

export type NotificationId = number | string

export interface ListOptions {
  filter?: InboxFilter
  sort?: Sort
  /** Keyset paging (createdAt order only). */
  cursor?: string
  limit?: number
  /** Numbered paging with a total, for dialects whose contract has page numbers. */
  page?: PageNumbered
}

export interface ListPage {
  items: Notification[]
  nextCursor: string | null
  total: number | null
}

/** A set of notifications named by id: unknown and foreign ids are reported, or reject it all. */
export interface IdTarget {
  ids: NotificationId[]
  /** `reject`: any id that is not the caller's fails the whole request and changes nothing. */
  invalid: 'ignore' | 'reject'
}

export interface BulkResult {
  /** False when `invalid: 'reject'` found an id that is not the caller's: nothing changed. */
  applied: boolean
  changed: number
  /** Ids that do not exist in the tenant (or are malformed, or expired). */
  missing: NotificationId[]
  /** Ids that belong to another user. */
  foreign: NotificationId[]
  /** The missing and foreign ids together, in the order they were given. */
  invalid: NotificationId[]
}

/**
 * How far a mark-all counts what it read, unless its surface needs the exact count: like a badge's
 * "99+". Counting every row read is a walk of them all, most of a mark-all's time once the read
 * mark made the write one row; "none", "how many up to 99" and "more" cost a walk of 100 at most.
 */
export const MARK_ALL_COUNT_CAP = 99

/** What a change by filter did: `changed` stops at MARK_ALL_COUNT_CAP when `capped` says so. */
export interface WhereResult {
  changed: number
  /** True when more than `changed` changed: a mark-all counted up to the cap and no further. */
  capped: boolean
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const validId = (id: NotificationId): boolean =>
  typeof id === 'number' ? Number.isSafeInteger(id) && id > 0 : UUID.test(id)

const idFilter = (ids: NotificationId[]): InboxFilter => {
  const nums = ids.filter((i): i is number => typeof i === 'number')
  const uuids = ids.filter((i): i is string => typeof i === 'string').map((u) => u.toLowerCase())
  if (uuids.length === 0) return { ...EVERY_STATE, ids: nums }
  if (nums.length === 0) return { ...EVERY_STATE, uuids }
  throw new HeraldError('VALIDATION', 'ids: use either numeric ids or UUIDs, not both', {
    field: 'ids',
  })
}

const isExpired = (n: Notification, now: Date) => n.expiresAt !== null && n.expiresAt <= now

/**
 * Undoing a dismiss or a snooze must reach the dismissed or snoozed notifications, which a filter
 * hides by default: unless the filter says otherwise, it then includes them.
 */
function reach(change: StateChange, f: InboxFilter): InboxFilter {
  if (change.action === 'undismiss') return { ...f, dismissed: f.dismissed ?? 'include' }
  if (change.action === 'unsnooze') return { ...f, snoozed: f.snoozed ?? 'include' }
  return f
}

/**
 * Whether a change by filter is "mark all read", which moves the user's read mark instead of
 * updating every row: the filter names nothing but the default hiding of dismissed and snoozed
 * ones (kept as they are, as the row-by-row update left them) or their inclusion, and perhaps
 * `read: false`, which a read changes nothing else on. Null for anything narrower.
 */
export function markAllOf(change: StateChange, f: InboxFilter): MarkAllKeep | null {
  if (change.action !== 'read') return null
  for (const [key, value] of Object.entries(f)) {
    if (value === undefined || (key === 'read' && value === false)) continue
    if ((key === 'dismissed' || key === 'snoozed') && value !== 'only') continue
    return null
  }
  return {
    dismissed: (f.dismissed ?? 'exclude') === 'exclude',
    snoozed: (f.snoozed ?? 'exclude') === 'exclude',
  }
}

export interface InboxDeps {
  store: Store
  events: EventBus
  clock: () => Date
  /** Where changes are reported for outbound webhooks (none: no webhooks). */
  webhooks?: WebhookSink
  /** Broadcasts copied into an inbox before it is read (none: sends never broadcast). */
  broadcasts?: BroadcastCursors
}

/** Every read and state change of one user's inbox, used by every API surface. */
export function createInbox({ store, events, clock, webhooks, broadcasts }: InboxDeps) {
  // Every surface changes inboxes through here, so every change is reported once, from here.
  const hooks = webhookReporter(webhooks, clock)
  const scope = (v: Viewer): Scope => ({ tenantId: v.tenantId, userId: v.userId, now: clock() })
  /**
   * The one step every read and change of an inbox takes first: the broadcasts the user has not
   * had become their ordinary rows (free when there are none), so everything after it, on
   * every surface, sees only rows.
   */
  const fresh = async (v: Viewer): Promise<Scope> => {
    if (broadcasts) await broadcasts.catchUp(v.tenantId, v.userId)
    return scope(v)
  }

  const emit = (v: Viewer, type: InboxEvent['type'], ids?: number[]) =>
    events.publish({ type, tenantId: v.tenantId, userId: v.userId, ids, at: clock().toISOString() })

  /** The caller's notification; NOT_FOUND if none has this id, NOT_OWNER if another user's. */
  async function get(v: Viewer, id: NotificationId): Promise<Notification> {
    await fresh(v)
    const n = validId(id) ? await store.findOne(v.tenantId, id) : null
    if (!n || isExpired(n, clock())) {
      throw new HeraldError('NOT_FOUND', 'notification not found', { id })
    }
    if (n.recipientId !== v.userId) {
      throw new HeraldError('NOT_OWNER', 'notification belongs to another user', { id })
    }
    return n
  }

  async function list(v: Viewer, o: ListOptions = {}): Promise<ListPage> {
    const filter = o.filter ?? {}
    const sort = o.sort ?? DEFAULT_SORT
    const s = await fresh(v)
    if (o.page) {
      const res = await store.list(s, filter, sort, o.page)
      return { items: res.items, nextCursor: null, total: res.total ?? 0 }
    }
    // A cursor holds (createdAt, numeric id): it cannot resume an order whose ties go by UUID.
    if (sort.tieBreak === 'uuid') {
      throw new HeraldError('INTERNAL', 'a UUID tie-break pages by number only')
    }
    if (sort.field !== 'createdAt' && o.cursor !== undefined) {
      throw new HeraldError('VALIDATION', 'cursor: cursors page only in createdAt order', {
        field: 'cursor',
      })
    }
    const limit = Math.min(o.limit ?? 20, PAGE_LIMIT_MAX)
    const after = o.cursor === undefined ? undefined : decodeCursor(o.cursor)
    const res = await store.list(s, filter, sort, { kind: 'keyset', limit, after })
    return { items: res.items, nextCursor: res.next ? encodeCursor(res.next) : null, total: null }
  }

  /** Several counts in one call; with `cap`, each stops at cap + 1 so a badge can say "99+". */
  async function counts<K extends string>(
    v: Viewer,
    filters: Record<K, InboxFilter>,
    cap: number | null = null,
  ): Promise<Record<K, number>> {
    const keys = Object.keys(filters) as K[]
    const list = keys.map((k) => filters[k])
    const values = await store.count(await fresh(v), list, cap)
    return Object.fromEntries(keys.map((k, i) => [k, values[i] ?? 0])) as Record<K, number>
  }

  /** The caller's new notifications after event number `after`, oldest first (see Store.since). */
  const since = async (v: Viewer, after: number, limit: number) =>
    store.since(await fresh(v), after, limit)
  /** The `data` and `actions` of messages in the caller's tenant, read once per message. */
  const messageContent = (tenantId: string, messageIds: number[]) =>
    store.messageContent(tenantId, messageIds)
  const countSince = async (v: Viewer, after: number, cap: number) =>
    store.countSince(await fresh(v), after, cap)
  const latestSeq = async (v: Viewer) => {
    await fresh(v)
    return store.latestSeq(v.tenantId, v.userId)
  }

  async function countByType(v: Viewer, filter: InboxFilter = {}) {
    return store.countByType(await fresh(v), filter)
  }

  /**
   * Checks a list of ids against the caller's inbox without changing anything. An expired one of
   * the caller's is missing, as `get` says.
   */
  async function classify(v: Viewer, ids: NotificationId[]): Promise<BulkResult> {
    const valid = ids.filter(validId)
    await fresh(v)
    const owners = valid.length > 0 ? await store.owners(v.tenantId, valid, clock()) : new Map()
    const missing: NotificationId[] = []
    const foreign: NotificationId[] = []
    const invalid: NotificationId[] = []
    for (const id of ids) {
      const owner = validId(id) ? owners.get(String(id).toLowerCase()) : undefined
      if (owner === undefined) missing.push(id)
      else if (owner !== v.userId) foreign.push(id)
      else continue
      invalid.push(id)
    }
    return { applied: invalid.length === 0, changed: 0, missing, foreign, invalid }
  }

  /**
   * Runs `apply` on the caller's own ids of the target. With `invalid: 'reject'`, one id that is
   * not the caller's changes nothing, and the result says which ids were refused.
   */
  async function onIds(
    v: Viewer,
    t: IdTarget,
    apply: (f: InboxFilter) => Promise<number>,
  ): Promise<BulkResult> {
    const report = await classify(v, t.ids)
    if (t.invalid === 'reject' && !report.applied) return report
    const refused = new Set(report.invalid)
    const own = t.ids.filter((id) => !refused.has(id))
    const changed = own.length === 0 ? 0 : await apply(idFilter(own))
    return { ...report, applied: true, changed }
  }

  /** The target's ids that are the caller's (what a bulk event names). */
  const ownIds = (t: IdTarget, r: BulkResult) => {
    const refused = new Set(r.invalid)
    return t.ids.filter((id) => !refused.has(id))
  }

  async function changeMany(v: Viewer, change: StateChange, t: IdTarget): Promise<BulkResult> {
    const r = await onIds(v, t, (f) => store.update(scope(v), change, f))
    if (r.changed > 0) {
      emit(v, 'notifications.changed')
      hooks.bulk(v.tenantId, v.userId, change.action, ownIds(t, r), r.changed)
    }
    return r
  }

  /**
   * Changes every match; undismiss and unsnooze also reach hidden ones unless the filter says.
   * A mark-all counts what it read up to MARK_ALL_COUNT_CAP unless `count` is `exact` (a dialect
   * whose reply carries the count); any other change counts its rows exactly, at no extra cost.
   */
  async function changeWhere(
    v: Viewer,
    change: StateChange,
    filter: InboxFilter,
    count: 'exact' | 'capped' = 'capped',
  ): Promise<WhereResult> {
    const s = await fresh(v)
    const all = markAllOf(change, filter)
    const cap = all && count === 'capped' ? MARK_ALL_COUNT_CAP : null
    const n = all
      ? await store.markAllRead(s, all, cap)
      : await store.update(s, change, reach(change, filter))
    const capped = cap !== null && n > cap
    const changed = capped ? cap : n
    if (changed > 0) {
      emit(v, 'notifications.changed')
      hooks.bulk(v.tenantId, v.userId, change.action, null, changed, capped)
    }
    return { changed, capped }
  }

  /**
   * Changes one notification and returns it before and after. With `requireChange`, a change that
   * would do nothing (marking a read notification read) is a CONFLICT.
   */
  async function changeOne(
    v: Viewer,
    id: NotificationId,
    change: StateChange,
    opts: { requireChange?: boolean } = {},
  ): Promise<{ before: Notification; after: Notification }> {
    const before = await get(v, id)
    const changed = await store.update(scope(v), change, idFilter([before.id]))
    if (changed === 0 && opts.requireChange) {
      throw new HeraldError('CONFLICT', `notification is already ${change.action}`, {
        id,
        action: change.action,
      })
    }
    const after = await get(v, before.id)
    if (changed > 0) {
      emit(v, 'notifications.changed', [before.id])
      hooks.one(v.tenantId, change.action, after)
    }
    return { before, after }
  }

  async function removeOne(v: Viewer, id: NotificationId): Promise<Notification> {
    const n = await get(v, id)
    const removed = await store.remove(scope(v), idFilter([n.id]))
    emit(v, 'notifications.deleted', [n.id])
    if (removed > 0) hooks.one(v.tenantId, 'delete', n)
    return n
  }

  async function removeMany(v: Viewer, t: IdTarget): Promise<BulkResult> {
    const r = await onIds(v, t, (f) => store.remove(scope(v), f))
    if (r.changed > 0) {
      emit(v, 'notifications.deleted')
      hooks.bulk(v.tenantId, v.userId, 'delete', ownIds(t, r), r.changed)
    }
    return r
  }

  async function removeWhere(v: Viewer, filter: InboxFilter): Promise<number> {
    const changed = await store.remove(await fresh(v), filter)
    if (changed > 0) {
      emit(v, 'notifications.deleted')
      hooks.bulk(v.tenantId, v.userId, 'delete', null, changed)
    }
    return changed
  }

  const checkpoint = {
    get: (v: Viewer): Promise<Checkpoint | null> => store.getCheckpoint(v.tenantId, v.userId),
    /** Creates the checkpoint at `initial` if the user has none; returns the current one. */
    async ensure(v: Viewer, initial: Date): Promise<Checkpoint> {
      const cp = await store.setCheckpoint(v.tenantId, v.userId, initial, 'insert')
      if (!cp) throw new HeraldError('UNAVAILABLE', 'checkpoint could not be stored')
      // A first checkpoint makes what is older seen (an existing one at the same time: no harm).
      if (cp.at.getTime() === initial.getTime()) emit(v, 'notifications.changed')
      return cp
    },
    /** Moves the checkpoint to now; `existing` refuses (NOT_FOUND) when the user has none. */
    async move(v: Viewer, mode: 'upsert' | 'existing' = 'upsert'): Promise<Checkpoint> {
      const at = clock()
      const cp = await store.setCheckpoint(
        v.tenantId,
        v.userId,
        at,
        mode === 'upsert' ? 'upsert' : 'update',
      )
      if (!cp)
        throw new HeraldError('NOT_FOUND', 'the user has no inbox checkpoint yet', {
          userId: v.userId,
        })
      emit(v, 'notifications.changed')
      return cp
    },
  }

  return {
    get,
    list,
    since,
    messageContent,
    countSince,
    latestSeq,
    counts,
    countByType,
    classify,
    changeOne,
    changeMany,
    changeWhere,
    removeOne,
    removeMany,
    removeWhere,
    checkpoint,
  }
}

export type Inbox = ReturnType<typeof createInbox>
