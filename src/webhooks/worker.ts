import type { AttemptOutcome, ClaimedDelivery, WebhookOutboxStore } from '../core/webhooks.ts'
import { type AttemptResult, attempt, createAgents } from './deliver.ts'

export interface WorkerSettings {
  /** Attempts of one delivery at most, the first included. */
  maxAttempts: number
  /** The wait after the first failure; each next one is three times longer (up to 6 h), jittered. */
  retryBaseMs: number
  /** One attempt's whole time: connecting, sending, the answer. */
  timeoutMs: number
  /** Attempts in flight at once on this instance. */
  concurrency: number
  /** How often the outbox is looked at for due deliveries (retries, other instances' events). */
  pollMs: number
  /** Finished deliveries are kept this long, then purged. */
  retentionMs: number
  allowPrivate: boolean
}

const CLAIM_MAX = 100
const LEASE_MARGIN_MS = 5_000
const BACKOFF_MAX_MS = 6 * 3600_000
const PURGE_CHUNK = 1000
const ERROR_MAX = 500

/** The wait before attempt `attempts + 1`: exponential (×3), capped, with ±25% jitter. */
export function backoff(attempts: number, baseMs: number, random = Math.random): number {
  const plain = Math.min(baseMs * 3 ** (attempts - 1), BACKOFF_MAX_MS)
  return Math.round(plain * (0.75 + random() * 0.5))
}

/** What a delivery records after an attempt. */
export function outcomeOf(
  d: ClaimedDelivery,
  r: AttemptResult,
  now: Date,
  s: Pick<WorkerSettings, 'maxAttempts' | 'retryBaseMs'>,
): AttemptOutcome {
  const base = { lastStatus: r.status, lastError: r.error?.slice(0, ERROR_MAX) ?? null }
  if (r.ok) return { ...base, status: 'delivered', nextAttemptAt: null, deliveredAt: now }
  if (d.attempts >= s.maxAttempts) {
    return { ...base, status: 'failed', nextAttemptAt: null, deliveredAt: null }
  }
  const next = new Date(now.getTime() + backoff(d.attempts, s.retryBaseMs))
  return { ...base, status: 'pending', nextAttemptAt: next, deliveredAt: null }
}

/**
 * Delivers the outbox: claims due deliveries (each leased for one attempt's time, so instances
 * sharing PostgreSQL never attempt the same one at once), posts them with at most `concurrency`
 * in flight, and records each attempt. Woken by this instance's new events and by a poll.
 *
 * @example
 * const worker = createWebhookWorker({ store, settings })
 * worker.start() // … await worker.stop()
 */
export function createWebhookWorker(o: {
  store: WebhookOutboxStore
  settings: WorkerSettings
  clock?: () => Date
  onError?: (err: unknown) => void
}) {
  const s = o.settings
  const clock = o.clock ?? (() => new Date())
  const onError = o.onError ?? (() => {})
  const active = new Set<Promise<void>>()
  const agents = createAgents()
  const settled = new Set<(d: ClaimedDelivery, outcome: AttemptOutcome) => void>()
  let stopped = true
  let claiming: Promise<void> | null = null
  let again = false
  let more = false
  let poll: NodeJS.Timeout | null = null
  let purge: NodeJS.Timeout | null = null

  async function deliver(d: ClaimedDelivery) {
    const r = await attempt(d, s, agents, clock().getTime())
    const outcome = outcomeOf(d, r, clock(), s)
    await o.store.finish(d, outcome)
    for (const fn of settled) fn(d, outcome)
  }

  function run(d: ClaimedDelivery) {
    const p: Promise<void> = deliver(d)
      .catch(onError)
      .finally(() => {
        active.delete(p)
        if (more) wake()
      })
    active.add(p)
  }

  async function claimLoop() {
    do {
      again = false
      const room = Math.min(s.concurrency - active.size, CLAIM_MAX)
      if (room <= 0 || stopped) return
      const now = clock()
      const lease = new Date(now.getTime() + s.timeoutMs + LEASE_MARGIN_MS)
      const batch = await o.store.claim(now, lease, room)
      more = batch.length === room
      for (const d of batch) run(d)
      if (more) again = true
    } while (again && !stopped)
  }

  /** Looks for due deliveries now (a claim already running looks again when it ends). */
  function wake() {
    if (stopped) return
    if (claiming) {
      again = true
      return
    }
    claiming = claimLoop()
      .catch(onError)
      .finally(() => {
        claiming = null
      })
  }

  async function purgeOld() {
    const before = new Date(clock().getTime() - s.retentionMs)
    while ((await o.store.purge(before, PURGE_CHUNK)) === PURGE_CHUNK && !stopped) {}
  }

  return {
    wake,
    start() {
      if (!stopped) return
      stopped = false
      poll = setInterval(wake, s.pollMs).unref()
      purge = setInterval(
        () => void purgeOld().catch(onError),
        Math.min(s.retentionMs, 600_000),
      ).unref()
      wake()
    },
    /** Stops claiming and waits for the attempts in flight (each ends by its timeout). */
    async stop() {
      stopped = true
      if (poll) clearInterval(poll)
      if (purge) clearInterval(purge)
      await claiming
      await Promise.all([...active])
      agents.http.destroy()
      agents.https.destroy()
    },
    /** Told after each attempt is recorded (tests await deliveries with it); returns an unsubscribe. */
    onSettled(fn: (d: ClaimedDelivery, outcome: AttemptOutcome) => void) {
      settled.add(fn)
      return () => {
        settled.delete(fn)
      }
    },
    /** Attempts in flight now (tests, metrics). */
    inFlight: () => active.size,
  }
}

export type WebhookWorker = ReturnType<typeof createWebhookWorker>
