import type { Kysely } from 'kysely'
import type { Config } from '../config.ts'
import {
  type MessageCursor,
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
  /** Whether a chunk was full, so more may be waiting. */
  more: boolean
}

export interface CleanupOptions {
  db: Kysely<Database>
  settings: Config['cleanup']
  clock?: () => Date
  /** Told after every run (the server logs it; tests await it). */
  onRun?: (run: CleanupRun) => void
  onError?: (err: unknown) => void
}

/**
 * The server's housekeeping: idempotency keys past their time to live, scheduled sends finished
 * as long ago, and messages no notification points at any more. Each run deletes at most one chunk of each, and the next run
 * is scheduled only when this one has finished, so it never overlaps itself or holds the store
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

  async function runOnce(): Promise<CleanupRun> {
    const cutoff = new Date(now().getTime() - idempotencyTtlMs)
    const idempotencyKeys = await purgeIdempotencyKeys(o.db, cutoff, chunk)
    const scheduledSends = await purgeFinishedSchedules(o.db, cutoff, chunk)
    const walk = await purgeOrphanMessages(o.db, cursor, chunk)
    cursor = walk.next
    const run = {
      idempotencyKeys,
      messages: walk.deleted,
      scheduledSends,
      more: idempotencyKeys >= chunk || scheduledSends >= chunk || walk.next !== null,
    }
    o.onRun?.(run)
    return run
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
