import type { Schedules } from './schedule.ts'

export interface SchedulerRun {
  delivered: number
  failed: number
}

export interface SchedulerOptions {
  schedules: Pick<Schedules, 'deliverDue'>
  /** How long to wait between polls when nothing more is due. */
  intervalMs: number
  /** Sends delivered at most per tick; a full tick polls again at once. */
  batch: number
  /** Told after every tick that did something (the server logs it). */
  onRun?: (run: SchedulerRun) => void
  onError?: (err: unknown) => void
}

/**
 * Polls for due scheduled sends and delivers them, a bounded batch per tick. The next tick is
 * scheduled when this one has finished, so ticks never overlap; a full batch means more may be
 * due, so the next comes at once. Several instances may run one each on PostgreSQL: their claims
 * skip each other's rows. Stopping waits for the tick under way, so the store can close under it.
 *
 * @example
 * const scheduler = createScheduler({ schedules: core.schedules, intervalMs: 1000, batch: 100 })
 * scheduler.start() // ... await scheduler.stop()
 */
export function createScheduler(o: SchedulerOptions) {
  let timer: NodeJS.Timeout | null = null
  let running: Promise<unknown> | null = null
  let stopped = true

  /** One tick's work; `stop` is asked between deliveries (a tick asks whether it was stopped). */
  async function runOnce(stop: () => boolean = () => false): Promise<SchedulerRun> {
    const run = await o.schedules.deliverDue(o.batch, stop)
    if (run.delivered || run.failed) o.onRun?.(run)
    return run
  }

  const schedule = (ms: number) => {
    if (stopped) return
    // Never keeps the process alive on its own.
    timer = setTimeout(tick, ms).unref()
  }
  function tick() {
    timer = null
    running = runOnce(() => stopped).then(
      (run) => schedule(run.delivered + run.failed >= o.batch ? 0 : o.intervalMs),
      (err: unknown) => {
        o.onError?.(err)
        schedule(o.intervalMs)
      },
    )
  }

  return {
    runOnce,
    start() {
      if (!stopped) return
      stopped = false
      schedule(0)
    },
    /** Stops polling and waits for a tick under way. */
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      timer = null
      await running
    },
  }
}

export type Scheduler = ReturnType<typeof createScheduler>
