import { Redis } from 'ioredis'
import { createLocalBus, type EventBus, type InboxEvent } from '../core/events.ts'

const CHANNEL = 'herald:inbox'

/**
 * Crosses instances: every event is published to Redis, and each instance delivers what it
 * receives to its own local subscribers. Events stay hints, so a lost message costs freshness only.
 */
export async function createRedisBus(url: string): Promise<EventBus & { close(): Promise<void> }> {
  const pub = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 })
  const sub = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 })
  await Promise.all([pub.connect(), sub.connect()])
  const local = createLocalBus()
  await sub.subscribe(CHANNEL)
  sub.on('message', (_channel, raw: string) => {
    try {
      local.publish(JSON.parse(raw) as InboxEvent)
    } catch {
      // a malformed message from another writer is dropped
    }
  })
  return {
    publish(e) {
      pub.publish(CHANNEL, JSON.stringify(e)).catch(() => {})
    },
    subscribe: local.subscribe,
    async close() {
      sub.disconnect()
      pub.disconnect()
    },
  }
}
