import type {
  OutboxEntry,
  WebhookEvent,
  WebhookOutboxStore,
  WebhookSink,
} from '../core/webhooks.ts'

/** Events written to the outbox per statement. */
const BATCH = 500
/** Tries of a batch the store refuses (an outage) before it is dropped with a warning. */
const WRITE_TRIES = 3
const RETRY_MS = 1000

/** The body every endpoint gets for an event (Standard Webhooks' `{type, timestamp, data}`). */
export const eventBody = (e: WebhookEvent) =>
  JSON.stringify({ type: e.type, timestamp: e.at.toISOString(), data: e.data })

export interface OutboxOptions {
  store: WebhookOutboxStore
  /** Events waiting to be written at most; past it new ones are dropped, with a warning. */
  maxQueued: number
  /** Told after deliveries were written (the worker on this instance starts on them). */
  onWritten: (count: number) => void
  warn: (msg: string, err?: unknown) => void
}

/**
 * The sink core reports webhook events to. `emit` returns at once: events are collected and
 * written to the outbox table in one statement per batch, right after the request's own work
 * committed, so a request never waits on webhooks (not even on the outbox write). A batch first
 * asks which of its tenants' event types an endpoint subscribes to; only those events get a body
 * and a row, so a tenant without webhooks costs one small read per batch, not its events'
 * bodies (a send with a large `data` to many users) serialised, held and sent to the store.
 *
 * The price: an event held here when the process dies (a few milliseconds' worth) is lost.
 */
export function createOutbox(o: OutboxOptions): WebhookSink & {
  /** Writes everything queued (the server's stop, tests). */
  flush(): Promise<void>
  dropped(): number
} {
  let queue: WebhookEvent[] = []
  let writing: Promise<void> | null = null
  let dropped = 0

  async function writeAll() {
    while (queue.length > 0) {
      const batch = queue.slice(0, BATCH)
      queue = queue.slice(batch.length)
      for (let attempt = 1; ; attempt++) {
        try {
          const wanted = await o.store.subscribed([...new Set(batch.map((e) => e.tenantId))])
          const entries: OutboxEntry[] = batch
            .filter((e) => wanted.has(`${e.tenantId}\u0000${e.type}`))
            .map((e) => ({ tenantId: e.tenantId, type: e.type, at: e.at, body: eventBody(e) }))
          const n = entries.length > 0 ? await o.store.enqueue(entries) : 0
          if (n > 0) o.onWritten(n)
          break
        } catch (err) {
          if (attempt >= WRITE_TRIES) {
            dropped += batch.length
            o.warn(`webhook events dropped: the outbox could not be written (${batch.length})`, err)
            break
          }
          await new Promise((r) => setTimeout(r, RETRY_MS).unref())
        }
      }
    }
  }

  function start() {
    writing ??= new Promise<void>((r) => setImmediate(r)).then(writeAll).finally(() => {
      writing = null
      if (queue.length > 0) start()
    })
    return writing
  }

  return {
    emit(e) {
      if (queue.length >= o.maxQueued) {
        dropped++
        if (dropped === 1 || dropped % 1000 === 0) {
          o.warn(`webhook events dropped: ${o.maxQueued} already wait for the outbox (${dropped})`)
        }
        return
      }
      queue.push(e)
      void start()
    },
    async flush() {
      while (writing || queue.length > 0) await (writing ?? start())
    },
    dropped: () => dropped,
  }
}
