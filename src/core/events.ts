import { EventEmitter } from 'node:events'

/**
 * What changed in one user's inbox. Events are published after commit and are hints: the
 * database stays the source of truth, and a stream that is woken reads what is new from it.
 */
export interface InboxEvent {
  type: 'notification.created' | 'notifications.changed' | 'notifications.deleted'
  tenantId: string
  /** The user whose inbox changed, or `*` for a change to many users of the tenant at once. */
  userId: string
  /** The notifications concerned, when the change named them. */
  ids?: number[]
  /** Set on the tenant-wide event of a broadcast: its event number (see core/broadcasts.ts). */
  broadcast?: number
  at: string
}

/**
 * A server API key that must stop being answered from memory, on every instance: revoked, or
 * rotated (its expiry changed). Instances that remembered it verify it afresh on its next use.
 */
export interface KeyInvalidation {
  tenantId: string
  keyId: string
}

export interface EventBus {
  publish(event: InboxEvent): void
  subscribe(tenantId: string, userId: string, fn: (e: InboxEvent) => void): () => void
  /** Tells every instance (this one at once) to forget what it remembered of a key. */
  invalidate(e: KeyInvalidation): void
  onInvalidate(fn: (e: KeyInvalidation) => void): () => void
  /**
   * Called when events may have been lost (the bus reconnected after an outage): every listener
   * should catch up from the store, and what was remembered of keys should be forgotten.
   */
  onGap(fn: () => void): () => void
}

/** The single-process bus; the Redis bus wraps one to cross instances. */
export function createLocalBus() {
  const emitter = new EventEmitter()
  // Listeners are streams (three each), bounded by the stream limits of the HTTP layer, not here.
  emitter.setMaxListeners(0)
  const channel = (t: string, u: string) => `${t}\u0000${u}`
  const GAP = '\u0000gap'
  const INVALIDATE = '\u0000invalidate'
  return {
    publish(e: InboxEvent) {
      emitter.emit(channel(e.tenantId, e.userId), e)
    },
    subscribe(t: string, u: string, fn: (e: InboxEvent) => void) {
      emitter.on(channel(t, u), fn)
      return () => {
        emitter.off(channel(t, u), fn)
      }
    },
    invalidate(e: KeyInvalidation) {
      emitter.emit(INVALIDATE, e)
    },
    onInvalidate(fn: (e: KeyInvalidation) => void) {
      emitter.on(INVALIDATE, fn)
      return () => {
        emitter.off(INVALIDATE, fn)
      }
    },
    onGap(fn: () => void) {
      emitter.on(GAP, fn)
      return () => {
        emitter.off(GAP, fn)
      }
    },
    /** Tells every listener that events may have been lost. */
    gap() {
      emitter.emit(GAP)
    },
  } satisfies EventBus & { gap(): void }
}
