import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createBroadcastCursors } from '../../src/core/broadcasts.ts'
import { createLocalBus } from '../../src/core/events.ts'
import type { Store } from '../../src/core/store.ts'

test('reads racing on a tenant not seen before subscribe to its broadcasts once', async () => {
  const bus = createLocalBus()
  let subscriptions = 0
  const events = {
    ...bus,
    subscribe: (...args: Parameters<typeof bus.subscribe>) => {
      subscriptions++
      return bus.subscribe(...args)
    },
  }
  let copies = 0
  const store = {
    // Slow enough that every read below waits on it at once.
    latestBroadcast: async () => new Promise<number>((r) => setTimeout(() => r(7), 20)),
    catchUpBroadcasts: async () => {
      copies++
      return 7
    },
  } as unknown as Store
  const cursors = createBroadcastCursors({
    store,
    events,
    clock: () => new Date(),
    settings: { min: 3, recheckMs: 60_000 },
  })
  await Promise.all(['a', 'b', 'c', 'd'].map((u) => cursors.catchUp('t1', u)))
  assert.equal(subscriptions, 1)
  assert.equal(copies, 4, 'each user caught up once')
  await Promise.all(['a', 'b'].map((u) => cursors.catchUp('t1', u)))
  assert.equal(copies, 4, 'a current user asks the store nothing')
  cursors.close()
})
