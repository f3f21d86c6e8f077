import { type BroadcastSettings, createBroadcastCursors, DEFAULT_BROADCASTS } from './broadcasts.ts'
import { createDirectory } from './directory.ts'
import type { EventBus } from './events.ts'
import { createInbox } from './inbox.ts'
import { createInboxVersions, type VersionSettings } from './inbox-versions.ts'
import { createPreferences } from './preferences.ts'
import { createRetention } from './retention.ts'
import { createSchedules } from './schedule.ts'
import { createSender } from './send.ts'
import type { Store } from './store.ts'
import {
  createWebhooks,
  type WebhookSettings,
  type WebhookSink,
  type WebhookStore,
} from './webhooks.ts'

export interface CoreDeps {
  store: Store
  events: EventBus
  clock?: () => Date
  /** Admins' reach into other users' inboxes where a surface offers it (default on). */
  adminReach?: boolean
  /** Outbound webhooks: their endpoints' store, the outbox sink, and their limits. */
  webhooks?: { store: WebhookStore; sink: WebhookSink; settings: WebhookSettings }
  /** How far ahead a send may be scheduled (default 365 days). */
  scheduleHorizonMs?: number
  /** Inbox versions for conditional polling (default 100,000 users, 300 s). */
  versions?: VersionSettings
  /** When a topic or tenant send is stored once as a broadcast (default: 100,000 members). */
  broadcasts?: BroadcastSettings
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
  const settings = deps.broadcasts ?? DEFAULT_BROADCASTS
  const broadcasts = createBroadcastCursors({ ...deps, clock, settings })
  const full = {
    ...deps,
    clock,
    webhooks: deps.webhooks?.sink,
    broadcasts,
    broadcastMin: settings.min,
  }
  return {
    events: deps.events,
    clock,
    /** Resolves when the store answers; rejects when it does not (readiness checks). */
    ready: () => deps.store.ping(),
    inbox: createInbox(full),
    /** Each inbox's current version, moved on by its events (conditional polling). */
    versions: createInboxVersions(
      deps.events,
      clock,
      deps.versions ?? { maxUsers: 100_000, lifetimeMs: 300_000 },
    ),
    sender: createSender(full),
    schedules: createSchedules({ ...full, horizonMs: deps.scheduleHorizonMs ?? 365 * 86_400_000 }),
    directory: createDirectory(full),
    /** Endpoint management; null when the core was built without webhooks (CLI commands). */
    webhooks: deps.webhooks
      ? createWebhooks({ store: deps.webhooks.store, clock, settings: deps.webhooks.settings })
      : null,
    preferences: createPreferences(full),
    retention: createRetention(full),
  }
}

export type Core = ReturnType<typeof createCore>
