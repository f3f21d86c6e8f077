import type { Kysely } from 'kysely'
import type { Config } from '../config.ts'
import type { PurgeResult } from '../core/retention.ts'
import {
  type MessageCursor,
  purgeBroadcasts,
  purgeFinishedSchedules,
  purgeIdempotencyKeys,
  purgeOrphanMessages,
} from './cleanup.ts'
import type { Database } from './schema.ts'

export interface CleanupRun {
  idempotencyKeys: number
  messages: number
  /** Scheduled sends finished (delivered, cancelled, failed) longer ago than the key TTL. */
  scheduledSends: number
  /** Broadcasts past their expiry or their tenant's retention (no member gets them any more). */
  broadcasts: number
  /** Notifications deleted: past their `expiresAt`, or past their tenant's retention policy. */
  expired: number
  read: number
  old: number
  /** Whether a chunk was full, so more may be waiting. */
  more: boolean
}

/** Core's purge of notifications (expired, past retention), which publishes what it deleted. */
export type PurgeNotifications = (tenantId: string | null, chunk: number) => Promise<PurgeResult>

export interface CleanupOptions {
  db: Kysely<Database>
  settings: Config['cleanup']
  /** The notification purge; without it the job only cleans keys and orphaned messages. */
  purgeNotifications?: PurgeNotifications
  clock?: () => Date
  /** Told after every run (the server logs it; tests await it). */
  onRun?: (run: CleanupRun) => void
  onError?: (err: unknown) => void
}

const NOTHING = { expired: 0, read: 0, old: 0, more: false }

/**
 * The server's housekeeping: notifications past their expiry or their tenant's retention,
 * idempotency keys past their time to live, scheduled sends finished as long ago, and messages no
 * notification points at any more.
 * Each run deletes at most one chunk of each (every one a single statement), and the next run is
 * scheduled only when this one has finished, so it never overlaps itself or holds the store
 * (PGlite's one session) for long. A backlog is worked off in quick succession, then it idles.
 *
 * @example
 * const cleanup = createCleanupJob({ db, settings: config.cleanup })
 * cleanup.start() // ... await cleanup.stop()
 */
export function createCleanupJob(o: CleanupOptions) {
  const { chunk, intervalMs, idempotencyTtlMs } = o.settings
  const now = o.clock ?? (() => new Date())
  let cursor: MessageCursor | null = null
  let timer: NodeJS.Timeout | null = null
  let running: Promise<unknown> | null = null
  let stopped = true

  /** One chunk of each kind; notifications first, so the messages they leave are found. */
  async function step(tenantId: string | null, after: MessageCursor | null) {
    const purged = o.purgeNotifications ? await o.purgeNotifications(tenantId, chunk) : NOTHING
    const cutoff = new Date(now().getTime() - idempotencyTtlMs)
    const idempotencyKeys = await purgeIdempotencyKeys(o.db, cutoff, chunk, tenantId)
    // Finished scheduled sends are the server's, across tenants; a purge by hand of one tenant
    // leaves them to it.
    const scheduledSends = tenantId === null ? await purgeFinishedSchedules(o.db, cutoff, chunk) : 0
    const broadcasts = await purgeBroadcasts(o.db, now(), chunk, tenantId)
    const walk = await purgeOrphanMessages(o.db, after, chunk, tenantId)
    const run: CleanupRun = {
      expired: purged.expired,
      read: purged.read,
      old: purged.old,
      idempotencyKeys,
      scheduledSends,
      broadcasts,
      messages: walk.deleted,
      more:
        purged.more ||
        idempotencyKeys >= chunk ||
        scheduledSends >= chunk ||
        broadcasts >= chunk ||
        walk.next !== null,
    }
    return { run, next: walk.next }
  }

  async function runOnce(): Promise<CleanupRun> {
    const { run, next } = await step(null, cursor)
    cursor = next
    o.onRun?.(run)
    return run
  }

  /**
   * By hand (`herald purge`): runs until nothing is left, of one tenant or of all, and returns
   * the totals. Still one chunk per statement, so a server sharing the database is never stalled.
   */
  async function purgeAll(tenantId: string | null = null): Promise<CleanupRun> {
    const total: CleanupRun = {
      ...NOTHING,
      idempotencyKeys: 0,
      scheduledSends: 0,
      broadcasts: 0,
      messages: 0,
    }
    let after: MessageCursor | null = null
    for (;;) {
      const { run, next } = await step(tenantId, after)
      after = next
      total.expired += run.expired
      total.read += run.read
      total.old += run.old
      total.idempotencyKeys += run.idempotencyKeys
      total.scheduledSends += run.scheduledSends
      total.broadcasts += run.broadcasts
      total.messages += run.messages
      if (!run.more) return total
    }
  }

  const schedule = (ms: number) => {
    if (stopped) return
    // Never keeps the process alive on its own.
    timer = setTimeout(tick, ms).unref()
  }
  function tick() {
    timer = null
    running = runOnce().then(
      (run) => schedule(run.more ? Math.min(intervalMs, 50) : intervalMs),
      (err: unknown) => {
        o.onError?.(err)
        schedule(intervalMs)
      },
    )
  }

  return {
    runOnce,
    purgeAll,
    start() {
      if (!stopped) return
      stopped = false
      schedule(intervalMs)
    },
    /** Stops scheduling and waits for a run in progress, so the store can close under it. */
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      timer = null
      await running
    },
  }
}

export type CleanupJob = ReturnType<typeof createCleanupJob>
