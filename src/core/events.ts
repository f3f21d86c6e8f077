import { randomUUID } from 'node:crypto'
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
  /**
   * Unique to this event, given by the bus that publishes it (a caller leaves it out): inbox
   * versions (`inbox-versions.ts`) tell events apart by it, on every instance alike.
   */
  id?: string
}

/**
 * How far an instance's knowledge of an event goes: `local` for one published here that the
 * other instances may not have yet; `ordered` once it is in the one order every instance
 * receives events in (another instance's, this one's own come back from Redis, or any event of a
 * single-process bus); `lost` for one of this instance's own that could not be published to the
 * others (it never comes back).
 */
export type EventStage = 'local' | 'ordered' | 'lost'

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
  /** Every inbox event of every user, as this instance learns of it (see EventStage). */
  onEvent(fn: (e: InboxEvent, stage: EventStage) => void): () => void
  /**
   * Whether this instance hears every instance's events now: false while the Redis subscription
   * is not up (at start, in an outage), when events of others may be passing it by.
   */
  live(): boolean
}

/** The single-process bus; the Redis bus wraps one to cross instances. */
export function createLocalBus() {
  const emitter = new EventEmitter()
  // Listeners are streams (three each), bounded by the stream limits of the HTTP layer, not here.
  emitter.setMaxListeners(0)
  const channel = (t: string, u: string) => `${t}\u0000${u}`
  const GAP = '\u0000gap'
  const INVALIDATE = '\u0000invalidate'
  const EVENT = '\u0000event'
  const deliver = (e: InboxEvent) => {
    emitter.emit(channel(e.tenantId, e.userId), e)
  }
  const learn = (e: InboxEvent, stage: EventStage) => {
    emitter.emit(EVENT, e, stage)
  }
  return {
    /** In one process, publishing is the whole order: the event is `ordered` at once. */
    publish(e: InboxEvent) {
      // Copied, not spread: a literal that spreads and then adds a key takes V8's slow path.
      const event = e.id === undefined ? Object.assign({}, e, { id: randomUUID() }) : e
      deliver(event)
      learn(event, 'ordered')
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
    onEvent(fn: (e: InboxEvent, stage: EventStage) => void) {
      emitter.on(EVENT, fn)
      return () => {
        emitter.off(EVENT, fn)
      }
    },
    live: () => true,
    /** To this instance's subscribers only (the Redis bus publishes through it). */
    deliver,
    /** To onEvent's listeners only (the Redis bus says how far an event got). */
    learn,
    /** Tells every listener that events may have been lost. */
    gap() {
      emitter.emit(GAP)
    },
  } satisfies EventBus & {
    gap(): void
    deliver(e: InboxEvent): void
    learn(e: InboxEvent, stage: EventStage): void
  }
}
