import type { EventBus, InboxEvent } from './events.ts'
import type { Store } from './store.ts'

export interface BroadcastSettings {
  /** A topic or tenant send with at least this many members is stored once (a broadcast). */
  min: number
  /** How long the latest broadcast number learned for a tenant is trusted without a look. */
  recheckMs: number
}

export const DEFAULT_BROADCASTS: BroadcastSettings = { min: 100_000, recheckMs: 1000 }

/** Tenants and users remembered; past these the memory is dropped and relearned. */
const MAX_TENANTS = 10_000
const MAX_USERS = 200_000

/**
 * Keeps every inbox read free of broadcasts it has already had. Before each read, `catchUp(v)`
 * compares the user's broadcast cursor (remembered after their last catch-up) with the tenant's
 * latest broadcast number: equal, nothing is asked of the store. Otherwise one statement copies
 * what they have not had into their ordinary rows (`Store.catchUpBroadcasts`).
 *
 * The tenant's latest number is learned from the store on first use and at most every
 * `recheckMs` after, and at once from the tenant-wide event a broadcast publishes (from this
 * instance or, through the Redis bus, another), so a reader on any instance sees a broadcast as
 * soon as its event arrives, and within `recheckMs` if the event is lost.
 */
export function createBroadcastCursors({
  store,
  events,
  clock,
  settings,
}: {
  store: Store
  events: EventBus
  clock: () => Date
  settings: BroadcastSettings
}) {
  const tenants = new Map<string, { latest: number; checkedAt: number; off: () => void }>()
  const cursors = new Map<string, number>()
  const userKey = (t: string, u: string) => `${t}\u0000${u}`

  const heard = (e: InboxEvent) => {
    if (e.broadcast === undefined) return
    const known = tenants.get(e.tenantId)
    if (known && e.broadcast > known.latest) known.latest = e.broadcast
  }
  // Events may have been lost: relearn every tenant's number on its next read.
  events.onGap(() => {
    for (const t of tenants.values()) t.checkedAt = 0
  })

  async function latest(tenantId: string): Promise<number> {
    const now = clock().getTime()
    const known = tenants.get(tenantId)
    if (known && now - known.checkedAt < settings.recheckMs) return known.latest
    const seq = await store.latestBroadcast(tenantId)
    // Another read of the tenant may have learned it while this one waited: one subscription.
    const learned = known ?? tenants.get(tenantId)
    if (learned) {
      learned.latest = Math.max(learned.latest, seq)
      learned.checkedAt = now
      return learned.latest
    }
    if (tenants.size >= MAX_TENANTS) forgetTenants()
    const off = events.subscribe(tenantId, '*', heard)
    tenants.set(tenantId, { latest: seq, checkedAt: now, off })
    return seq
  }

  function forgetTenants() {
    for (const t of tenants.values()) t.off()
    tenants.clear()
  }

  return {
    /** Brings the user's inbox up to date with the tenant's broadcasts; free when it is. */
    async catchUp(tenantId: string, userId: string): Promise<void> {
      const target = await latest(tenantId)
      if (target === 0) return
      const key = userKey(tenantId, userId)
      if ((cursors.get(key) ?? 0) >= target) return
      const seq = await store.catchUpBroadcasts(tenantId, userId, clock())
      if (cursors.size >= MAX_USERS) cursors.clear()
      cursors.set(key, seq)
    },
    /** A broadcast this instance just committed: known here before its event goes out. */
    sent(tenantId: string, seq: number) {
      const known = tenants.get(tenantId)
      if (known && seq > known.latest) known.latest = seq
    },
    /** Stops listening to the bus. */
    close: forgetTenants,
  }
}

export type BroadcastCursors = ReturnType<typeof createBroadcastCursors>
