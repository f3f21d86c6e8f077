import { errorOf } from './errors.ts'
import type { Transport } from './http.ts'
import { readEvents, type SseEvent } from './sse.ts'
import type { Counts, CountsResponse, Notification } from './types.ts'

export type StreamStatus = 'connecting' | 'live' | 'polling' | 'offline'

export interface StreamHandlers {
  /** A new notification (`notification.created`); its event id is the replay mark. */
  notification?(n: Notification): void
  /** The badge counts (capped at 99), sent when the stream opens and after every change. */
  counts?(c: Counts): void
  /** Notifications changed or were deleted elsewhere; `ids: null` means "refetch, any may have". */
  changed?(e: {
    type: 'notifications.changed' | 'notifications.deleted'
    ids: number[] | null
  }): void
  /** Too much was missed to replay (or the mark is unknown): refetch the list. */
  reset?(): void
  status?(s: StreamStatus): void
  /** A failed connection or poll, or a handler that threw (the subscription carries on). */
  error?(err: unknown): void
}

export interface SubscribeOptions {
  /**
   * How often counts are polled while the stream is unavailable, in ms. By default, what the
   * server's X-Poll-Interval asks (30000 until it has said). Polls are conditional
   * (If-None-Match), so an unchanged inbox costs the server no query.
   */
  pollIntervalMs?: number
  /** Resume after this event id (a mark kept from an earlier subscription). */
  lastEventId?: string
  /** The first reconnect delay (default 1000); each failure doubles it, up to `maxRetryMs`. */
  retryMs?: number
  /** The longest reconnect delay (default 30000). */
  maxRetryMs?: number
  /** Consecutive stream failures before polling starts (default 3). */
  failuresBeforePolling?: number
}

export interface Subscription {
  close(): void
  /** The id of the last event received: pass it as `lastEventId` to resume later. */
  readonly lastEventId: string | null
}

const BADGE_CAP = 99

/** The stream's `{unread, unseen}` (each stopping at 100) in the shape `counts()` answers. */
function streamCounts(raw: Record<string, number>): Counts {
  const counts: Record<string, number> = {}
  const capped: Record<string, boolean> = {}
  for (const [k, n] of Object.entries(raw)) {
    counts[k] = Math.min(n, BADGE_CAP)
    capped[k] = n > BADGE_CAP
  }
  return { counts, capped, unread: counts.unread ?? 0, unseen: counts.unseen ?? 0 }
}

export function liftCounts(r: CountsResponse): Counts {
  const { total, unread = 0, unseen = 0 } = r.counts
  return total === undefined ? { ...r, unread, unseen } : { ...r, total, unread, unseen }
}

/**
 * The live subscription: fetch streaming with `Authorization`, reconnecting with jittered
 * exponential back-off and `Last-Event-ID`; after repeated failures (or with no streaming at all)
 * it polls counts while it keeps retrying the stream.
 */
export function subscribe(
  http: Transport,
  handlers: StreamHandlers,
  opts: SubscribeOptions = {},
): Subscription {
  const minDelay = opts.retryMs ?? 1_000
  const maxDelay = opts.maxRetryMs ?? 30_000
  const threshold = opts.failuresBeforePolling ?? 3
  let lastEventId = opts.lastEventId ?? null
  let closed = false
  let failures = 0
  let status: StreamStatus | null = null
  let controller: AbortController | null = null
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let pollTimer: ReturnType<typeof setTimeout> | undefined
  let pollingOn = false
  let lastCounts = ''

  const safely = (fn: () => void) => {
    try {
      fn()
    } catch (err) {
      handlers.error?.(err)
    }
  }
  const setStatus = (s: StreamStatus) => {
    if (s === status || closed) return
    status = s
    safely(() => handlers.status?.(s))
  }
  const gotCounts = (c: Counts) => {
    const seen = JSON.stringify([c.counts.unread, c.counts.unseen, c.capped.unread])
    const moved = lastCounts !== '' && seen !== lastCounts
    lastCounts = seen
    safely(() => handlers.counts?.(c))
    return moved
  }

  const dispatch = (e: SseEvent) => {
    if (e.id !== undefined) lastEventId = e.id
    const data = JSON.parse(e.data)
    if (e.event === 'notification.created') safely(() => handlers.notification?.(data))
    else if (e.event === 'counts') gotCounts(streamCounts(data))
    else if (e.event === 'notifications.changed' || e.event === 'notifications.deleted') {
      safely(() => handlers.changed?.({ type: e.event as 'notifications.changed', ids: data.ids }))
    } else if (e.event === 'reset') safely(() => handlers.reset?.())
    // Closed for a newer stream of the same user: polling, and retrying at the longest delay
    // rather than evicting that stream in turn.
    else if (e.event === 'closed') failures = 64
  }

  const poll = async () => {
    try {
      const r = await http.call<CountsResponse>('GET', '/v1/me/counts', {
        query: { cap: BADGE_CAP },
      })
      // The stream is down: a change in the counts is all that says the list moved.
      if (!closed && gotCounts(liftCounts(r))) {
        safely(() => handlers.changed?.({ type: 'notifications.changed', ids: null }))
      }
    } catch (err) {
      handlers.error?.(err)
    }
  }
  // A chain of timeouts, not an interval: each wait is what the server last asked for.
  const pollAgain = async () => {
    await poll()
    if (pollingOn && !closed) {
      pollTimer = setTimeout(pollAgain, opts.pollIntervalMs ?? http.pollIntervalMs() ?? 30_000)
    }
  }
  const polling = (on: boolean) => {
    if (on && !pollingOn) {
      pollingOn = true
      setStatus('polling')
      void pollAgain()
    } else if (!on && pollingOn) {
      pollingOn = false
      clearTimeout(pollTimer)
      pollTimer = undefined
    }
  }

  const offline = () =>
    (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine === false

  const retry = () => {
    if (closed) return
    if (offline()) {
      // The 'online' event reconnects.
      polling(false)
      return setStatus('offline')
    }
    if (failures >= threshold) polling(true)
    const delay = Math.min(maxDelay, minDelay * 2 ** Math.max(0, failures - 1))
    // Jitter: clients dropped together by one restart do not all come back at once.
    retryTimer = setTimeout(connect, delay * (0.5 + Math.random() / 2))
  }

  let active = false
  async function connect() {
    retryTimer = undefined
    if (closed || active) return
    if (offline()) return setStatus('offline')
    if (!pollingOn) setStatus('connecting')
    active = true
    controller = new AbortController()
    const headers: Record<string, string> = { accept: 'text/event-stream' }
    if (lastEventId !== null) headers['last-event-id'] = lastEventId
    try {
      const res = await http.fetch('GET', '/v1/me/stream', { headers, signal: controller.signal })
      if (!res.ok) throw await errorOf(res)
      if (!res.body) {
        // No streaming body at all: this runtime can only poll.
        failures = 64
        throw new Error('this runtime cannot read a streaming response')
      }
      failures = 0
      polling(false)
      setStatus('live')
      await readEvents(res.body, dispatch)
    } catch (err) {
      active = false
      if (closed) return
      // Going offline aborts the stream: no failure of the server's.
      if (!offline()) failures++
      handlers.error?.(err)
    }
    active = false
    retry()
  }

  const online = () => {
    if (closed || active) return
    clearTimeout(retryTimer)
    failures = Math.min(failures, 1)
    void connect()
  }
  const wentOffline = () => controller?.abort()
  const target = globalThis as {
    addEventListener?: typeof addEventListener
    removeEventListener?: typeof removeEventListener
  }
  target.addEventListener?.('online', online)
  target.addEventListener?.('offline', wentOffline)

  void connect()
  return {
    close() {
      closed = true
      clearTimeout(retryTimer)
      polling(false)
      controller?.abort()
      target.removeEventListener?.('online', online)
      target.removeEventListener?.('offline', wentOffline)
    },
    get lastEventId() {
      return lastEventId
    },
  }
}
