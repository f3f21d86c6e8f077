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
  // Whether the subscription is confirmed: only then does this instance hear every event.
  let listening = false
  const trouble = (err: unknown) => {
    if (!down) warn('realtime bus: Redis is unreachable; streams catch up from the store', err)
    down = true
  }
  const listen = () =>
    sub.subscribe(channel).then(() => {
      listening = true
    }, trouble)
  pub.on('error', trouble)
  sub.on('error', (err) => {
    listening = false
    trouble(err)
  })
  sub.on('close', () => {
    listening = false
    down = true
  })
  sub.on('ready', () => {
    if (!down) return
    // Whatever was published while the subscription was gone, the store still has. ioredis
    // subscribes again after this event; asking once more tells when it has.
    local.gap()
    down = false
    void listen()
  })
  sub.on('message', (_channel, raw: string) => {
    try {
      const message = JSON.parse(raw) as Message
      if ('invalidate' in message) {
        if (message.from !== self) local.invalidate(message.invalidate)
      } else if (message.from === self) {
        // Our own event, back in the order every instance receives them in.
        local.learn(message.event, 'ordered')
      } else {
        const event = { ...message.event, id: message.event.id ?? randomUUID() }
        local.deliver(event)
        local.learn(event, 'ordered')
      }
    } catch {
      // a malformed message from another writer is dropped
    }
  })
  void listen()
  pub.connect().catch(trouble)
  const send = (message: Message) => pub.publish(channel, JSON.stringify(message)).catch(trouble)
  return {
    publish(e) {
      const event = Object.assign({}, e, { id: e.id ?? randomUUID() })
      local.deliver(event)
      local.learn(event, 'local')
      pub.publish(channel, JSON.stringify({ from: self, event } satisfies Message)).catch((err) => {
        trouble(err)
        local.learn(event, 'lost')
      })
    },
    subscribe: local.subscribe,
    invalidate(invalidate) {
      local.invalidate(invalidate)
      send({ from: self, invalidate })
    },
    onInvalidate: local.onInvalidate,
    onGap: local.onGap,
    onEvent: local.onEvent,
    live: () => listening,
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
