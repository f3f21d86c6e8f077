import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import {
  createLocalBus,
  type EventBus,
  type InboxEvent,
  type KeyInvalidation,
} from '../core/events.ts'

export interface RedisBusOptions {
  /** Prepended to the channel name, so deployments can share one Redis. */
  prefix: string
  /** Where connection trouble is reported (the service's JSON log). */
  warn: (msg: string, err: unknown) => void
}

/** What goes over the channel: an inbox event, or a key to forget. */
type Message = { from: string } & ({ event: InboxEvent } | { invalidate: KeyInvalidation })

/**
 * Crosses instances. An event is delivered to this instance's listeners at once and published to
 * Redis for the others; each instance skips its own echo. Events stay hints: Redis may be down at
 * start or at any time, and when the subscription comes back every local listener is told to
 * catch up from the store, so nothing a stream should show is lost with the messages. Key
 * invalidations share the channel; one lost in an outage is covered by the same gap signal, on
 * which every instance forgets every key it remembered.
 */
export function createRedisBus(
  url: string,
  { prefix, warn }: RedisBusOptions,
): EventBus & { close(): Promise<void> } {
  const channel = `${prefix}inbox`
  const self = randomUUID()
  const local = createLocalBus()
  const retryStrategy = (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000)
  const pub = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, retryStrategy })
  const sub = new Redis(url, { lazyConnect: true, retryStrategy })
  let down = false
  const trouble = (err: unknown) => {
    if (!down) warn('realtime bus: Redis is unreachable; streams catch up from the store', err)
    down = true
  }
  pub.on('error', trouble)
  sub.on('error', trouble)
  sub.on('ready', () => {
    // Whatever was published while the subscription was gone, the store still has.
    if (down) local.gap()
    down = false
  })
  sub.on('message', (_channel, raw: string) => {
    try {
      const message = JSON.parse(raw) as Message
      if (message.from === self) return
      if ('invalidate' in message) local.invalidate(message.invalidate)
      else local.publish(message.event)
    } catch {
      // a malformed message from another writer is dropped
    }
  })
  sub.subscribe(channel).catch(trouble)
  pub.connect().catch(trouble)
  const send = (message: Message) => pub.publish(channel, JSON.stringify(message)).catch(trouble)
  return {
    publish(event) {
      local.publish(event)
      send({ from: self, event })
    },
    subscribe: local.subscribe,
    invalidate(invalidate) {
      local.invalidate(invalidate)
      send({ from: self, invalidate })
    },
    onInvalidate: local.onInvalidate,
    onGap: local.onGap,
    async close() {
      sub.disconnect()
      // quit() sends what is still queued first (a CLI publishes and exits right away); a Redis
      // that is gone gets no goodbye.
      await Promise.race([
        pub.quit().catch(() => {}),
        new Promise((r) => setTimeout(r, 1000).unref()),
      ])
      pub.disconnect()
    },
  }
}
