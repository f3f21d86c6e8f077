import { EventEmitter } from 'node:events'

/**
 * What changed in one user's inbox. Events are published after commit and are hints: the
 * database stays the source of truth, and a client that missed one reads the current state.
 */
export interface InboxEvent {
  type: 'notification.created' | 'notifications.changed' | 'notifications.deleted'
  tenantId: string
  /** The user whose inbox changed, or `*` for a change to many users of the tenant at once. */
  userId: string
  /** The notifications concerned, when the change named them. */
  ids?: number[]
  at: string
}

export interface EventBus {
  publish(event: InboxEvent): void
  subscribe(tenantId: string, userId: string, fn: (e: InboxEvent) => void): () => void
}

/** The single-process bus; a Redis-backed bus with the same shape crosses instances. */
export function createLocalBus(): EventBus {
  const emitter = new EventEmitter()
  emitter.setMaxListeners(0)
  const channel = (t: string, u: string) => `${t}\u0000${u}`
  return {
    publish(e) {
      emitter.emit(channel(e.tenantId, e.userId), e)
    },
    subscribe(t, u, fn) {
      emitter.on(channel(t, u), fn)
      return () => emitter.off(channel(t, u), fn)
    },
  }
}
