import { setTimeout as delay } from 'node:timers/promises'

/** One request of a load run: what it was, how it ended, and when. */
export interface Outcome {
  kind: string
  /** The HTTP status, or 0 when the request got no answer (refused, reset). */
  status: number
  body: string
  headers: Record<string, string | number | string[] | undefined>
  startedAt: number
  endedAt: number
}

export type Call = (worker: number, n: number) => Promise<Omit<Outcome, 'startedAt' | 'endedAt'>>

export interface Load {
  outcomes: Outcome[]
  /** Resolves once `done(outcomes)` holds, checked as outcomes arrive; rejects after `ms`. */
  until(done: (o: Outcome[]) => boolean, ms: number, what: string): Promise<number>
  /** Stops issuing requests and waits for the ones in flight. */
  stop(): Promise<Outcome[]>
}

/**
 * `workers` clients each calling `call` in a loop, as fast as answers come, until `stop()` or
 * `maxCalls` requests in all (a bound, so a defect can never spin forever).
 */
export function startLoad(workers: number, call: Call, maxCalls = 20_000): Load {
  const outcomes: Outcome[] = []
  let stopped = false
  let issued = 0
  const worker = async (w: number) => {
    for (let n = 0; !stopped && issued < maxCalls; n++) {
      issued++
      const startedAt = Date.now()
      const o = await call(w, n)
      outcomes.push({ ...o, startedAt, endedAt: Date.now() })
      // A request that fails at once (a refused connection) must not starve the event loop.
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  const running = Promise.all(Array.from({ length: workers }, (_, w) => worker(w)))
  return {
    outcomes,
    until: (done, ms, what) => within(ms, what, async () => done(outcomes)),
    async stop() {
      stopped = true
      await running
      return outcomes
    },
  }
}

/** Polls `check` until it holds (returning the milliseconds it took) or `ms` pass. */
export async function within(ms: number, what: string, check: () => Promise<boolean>) {
  const start = Date.now()
  for (;;) {
    if (await check()) return Date.now() - start
    if (Date.now() - start > ms) throw new Error(`${what}: not within ${ms} ms`)
    await delay(20)
  }
}
