import { invalid } from './errors.ts'
import type { EventBus } from './events.ts'
import type { Purged, PurgeKind, RetentionPolicy, Store } from './store.ts'

/** The longest a retention period may be: a hundred years is "keep". */
export const MAX_RETENTION_DAYS = 36_500

/** What one purge deleted, by reason. */
export interface PurgeCounts {
  expired: number
  read: number
  old: number
}

export interface PurgeResult extends PurgeCounts {
  /** Whether a chunk was full, so more may be waiting. */
  more: boolean
}

const KINDS: PurgeKind[] = ['expired', 'read', 'old']
const KEEP: RetentionPolicy = { readDays: null, allDays: null }

function days(field: keyof RetentionPolicy, v: number | null): number | null {
  if (v === null) return null
  if (!Number.isInteger(v) || v < 1 || v > MAX_RETENTION_DAYS) {
    throw invalid(field, `must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}, or null`)
  }
  return v
}

/**
 * Retention policies and the purge that applies them. A purge deletes at most `chunk`
 * notifications of each kind per statement, and publishes `notifications.deleted` for each user
 * whose inbox lost some, with their ids, as a delete from the inbox does: open streams update.
 *
 * @example
 * await retention.set('acme', { readDays: 30, allDays: 365 })
 * await retention.purgeChunk(null, 1000) // every tenant: one chunk of each kind
 */
export function createRetention({
  store,
  events,
  clock,
}: {
  store: Store
  events: EventBus
  clock: () => Date
}) {
  function publish(rows: Purged[]) {
    const byUser = new Map<string, Purged[]>()
    for (const r of rows) {
      const key = `${r.tenantId}\u0000${r.recipientId}`
      const list = byUser.get(key)
      if (list) list.push(r)
      else byUser.set(key, [r])
    }
    const at = clock().toISOString()
    for (const list of byUser.values()) {
      const first = list[0] as Purged
      events.publish({
        type: 'notifications.deleted',
        tenantId: first.tenantId,
        userId: first.recipientId,
        ids: list.map((r) => r.id),
        at,
      })
    }
  }

  /** One chunk of each kind, for one tenant or (null) every tenant. */
  async function purgeChunk(tenantId: string | null, chunk: number): Promise<PurgeResult> {
    const counts: PurgeCounts = { expired: 0, read: 0, old: 0 }
    let more = false
    for (const kind of KINDS) {
      const rows = await store.purge(kind, { tenantId, now: clock(), chunk })
      counts[kind] = rows.length
      if (rows.length >= chunk) more = true
      publish(rows)
    }
    return { ...counts, more }
  }

  return {
    async get(tenantId: string): Promise<RetentionPolicy> {
      return (await store.getRetention(tenantId)) ?? KEEP
    },
    /** Replaces the tenant's policy; both null removes it. */
    async set(tenantId: string, p: RetentionPolicy): Promise<RetentionPolicy> {
      const policy = { readDays: days('readDays', p.readDays), allDays: days('allDays', p.allDays) }
      await store.setRetention(tenantId, policy)
      return policy
    },
    purgeChunk,
    /** Up to `maxChunks` chunks of each kind, stopping early when nothing is left. */
    async purge(tenantId: string | null, chunk: number, maxChunks: number): Promise<PurgeResult> {
      const total: PurgeResult = { expired: 0, read: 0, old: 0, more: true }
      for (let i = 0; i < maxChunks && total.more; i++) {
        const r = await purgeChunk(tenantId, chunk)
        total.expired += r.expired
        total.read += r.read
        total.old += r.old
        total.more = r.more
      }
      return total
    },
  }
}

export type Retention = ReturnType<typeof createRetention>
