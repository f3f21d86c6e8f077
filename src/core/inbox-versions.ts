import { randomUUID } from 'node:crypto'
import type { EventBus, EventStage, InboxEvent } from './events.ts'

/** Whose inbox: the tenant and the user (the same shape as inbox.ts's Viewer). */
interface Owner {
  tenantId: string
  userId: string
}

export interface VersionSettings {
  /** Users (and tenants) an instance keeps a version for; the least recently used go first. */
  maxUsers: number
  /**
   * The longest one version stands, in ms: changes no event announces (a snooze running out, an
   * expiry, a writer that published nowhere) show by then at the latest.
   */
  lifetimeMs: number
}

/** What an instance knows of one inbox (or of a tenant's tenant-wide changes). */
interface Entry {
  /** `e:<event id>` once in the shared order; `i:<instance>:<n>` where only this instance knows. */
  token: string
  /** When this instance learned it, in its own order of learning. */
  seq: number
}

/** Own events remembered per inbox while Redis is slow to return them; past it, one is enough. */
const PENDING_MAX = 64
/** Stands in the pending set for events past PENDING_MAX: only a gap clears it. */
const OVERFLOW = ''

/** A small, stable spread of a key over [0, range): versions of many users end at different times. */
function spread(key: string, range: number): number {
  let h = 2166136261
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619)
  return (h >>> 0) % range
}

/**
 * Per-user inbox versions, kept in memory and moved on by every inbox event, so that a poll can be
 * answered "nothing changed" without a query. A version names the latest change this instance
 * has learned of, so instances that have learned the same changes give the same version:
 *
 * - An event's id becomes the version once the event is in the order every instance receives
 *   events in (Redis's channel order, or the one process's). Two instances that name the same
 *   event have learned the same changes up to it, and neither has learned of one since.
 * - Whatever only this instance can vouch for (its own events not yet back from Redis, a user it
 *   knows nothing of: at start, after eviction, after a gap) gets a token of its own, never given
 *   before: never the same version for two states, at the price of a 200 where one could be spared.
 * - A tenant-wide event (`userId: '*'`) moves every user of the tenant: the version is the later
 *   of the user's and the tenant's, by the order this instance learned them in.
 * - A gap on the bus forgets everything; while the bus is not listening no version is vouched for.
 * - Every version also ends after `lifetimeMs` (at a time spread by user), for changes no event
 *   announces.
 */
export function createInboxVersions(
  events: EventBus,
  clock: () => Date,
  { maxUsers, lifetimeMs }: VersionSettings,
) {
  const instance = randomUUID()
  let n = 0
  const users = new Map<string, Entry>()
  const tenants = new Map<string, Entry>()
  // Own events on their way through Redis, by inbox: outside the LRU, so none is forgotten.
  const pending = new Map<string, Set<string>>()
  // Tenants' entries evicted up to this point: users older than it lost their tenant's history.
  let tenantFloor = 0
  // Redis kept more inboxes' events than we keep track of: nothing is vouched for until a gap.
  let overwhelmed = false

  const own = () => `i:${instance}:${++n}`
  const keep = (map: Map<string, Entry>, key: string, entry: Entry) => {
    map.delete(key)
    map.set(key, entry)
    if (map.size <= maxUsers) return
    const [oldest, gone] = map.entries().next().value as [string, Entry]
    map.delete(oldest)
    if (map === tenants) tenantFloor = Math.max(tenantFloor, gone.seq)
  }

  function awaiting(key: string, id: string, stage: EventStage): boolean {
    let ids = pending.get(key)
    if (stage === 'local') {
      if (!ids) {
        if (pending.size >= maxUsers) overwhelmed = true
        ids = new Set()
        pending.set(key, ids)
      }
      ids.add(ids.size < PENDING_MAX ? id : OVERFLOW)
      return true
    }
    if (ids?.delete(id) && ids.size === 0) pending.delete(key)
    return pending.has(key) || stage === 'lost'
  }

  function learn(e: InboxEvent, stage: EventStage) {
    const key = e.userId === '*' ? `${e.tenantId}\u0000*` : `${e.tenantId}\u0000${e.userId}`
    const id = e.id ?? randomUUID()
    const token = awaiting(key, id, stage) ? own() : `e:${id}`
    if (e.userId === '*') keep(tenants, e.tenantId, { token, seq: ++n })
    else keep(users, key, { token, seq: ++n })
  }

  events.onEvent(learn)
  events.onGap(() => {
    users.clear()
    tenants.clear()
    pending.clear()
    tenantFloor = 0
    overwhelmed = false
  })

  return {
    /**
     * The current version of the owner's inbox. Take it before reading the store: a change that
     * lands after it moves the version, so an answer is never labelled newer than it is.
     */
    of(o: Owner): string {
      if (overwhelmed || !events.live()) return own()
      const key = `${o.tenantId}\u0000${o.userId}`
      let user = users.get(key)
      const tenant = tenants.get(o.tenantId)
      if (user && !tenant && tenantFloor > user.seq) user = undefined
      user ??= { token: own(), seq: ++n }
      keep(users, key, user)
      // While an own change is on its way, only this instance knows the state: the pair of
      // tokens (each never given before) names it.
      const token =
        pending.has(key) || pending.has(`${o.tenantId}\u0000*`)
          ? `${user.token}+${tenant?.token}`
          : tenant && tenant.seq > user.seq
            ? tenant.token
            : user.token
      const period = Math.floor((clock().getTime() + spread(key, lifetimeMs)) / lifetimeMs)
      return `${token}@${period}`
    },
    /** How many users' versions are kept. */
    size: () => users.size,
  }
}

export type InboxVersions = ReturnType<typeof createInboxVersions>
