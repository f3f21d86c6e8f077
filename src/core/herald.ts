import { createDirectory } from './directory.ts'
import type { EventBus } from './events.ts'
import { createInbox } from './inbox.ts'
import { createRetention } from './retention.ts'
import { createSender } from './send.ts'
import type { Store } from './store.ts'

export interface CoreDeps {
  store: Store
  events: EventBus
  clock?: () => Date
  /** Admins' reach into other users' inboxes where a surface offers it (default on). */
  adminReach?: boolean
}

/**
 * The whole core: one implementation of every operation, shared by the native API and every
 * dialect.
 *
 * @example
 * const core = createCore({ store, events: createLocalBus() })
 * await core.sender.send('acme', { to: { users: ['u1'] }, type: 'comment', title: 'Hi' })
 */
export function createCore(deps: CoreDeps) {
  const clock = deps.clock ?? (() => new Date())
  const full = { ...deps, clock }
  return {
    events: deps.events,
    clock,
    /** Resolves when the store answers; rejects when it does not (readiness checks). */
    ready: () => deps.store.ping(),
    inbox: createInbox(full),
    sender: createSender(full),
    directory: createDirectory(full),
    retention: createRetention(full),
  }
}

export type Core = ReturnType<typeof createCore>
