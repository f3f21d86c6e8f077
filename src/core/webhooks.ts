import { randomBytes, randomUUID } from 'node:crypto'
import { HeraldError, invalid } from './errors.ts'
import { checkWebhookUrl } from './webhook-url.ts'

/** Every event a webhook endpoint can subscribe to. A closed list: names are API. */
export const WEBHOOK_EVENTS = [
  'notification.created',
  'notification.read',
  'notification.unread',
  'notification.dismissed',
  'notification.deleted',
  'send.completed',
] as const

export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number]

/** Something that happened in a tenant, as core reports it after commit. */
export interface WebhookEvent {
  tenantId: string
  type: WebhookEventType
  at: Date
  data: Record<string, unknown>
}

/**
 * Where core reports webhook events. `emit` never waits: the implementation queues the event and
 * writes it to the outbox in the background, so no request waits on webhooks.
 */
export interface WebhookSink {
  emit(event: WebhookEvent): void
}

export interface WebhookEndpoint {
  id: string
  tenantId: string
  url: string
  description: string | null
  events: WebhookEventType[]
  enabled: boolean
  createdAt: Date
  updatedAt: Date
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed'

export interface WebhookDelivery {
  /** The `webhook-id` header, the same on every attempt. */
  id: string
  endpointId: string
  eventType: string
  status: DeliveryStatus
  attempts: number
  lastStatus: number | null
  lastError: string | null
  lastAttemptAt: Date | null
  nextAttemptAt: Date | null
  deliveredAt: Date | null
  createdAt: Date
  payload: unknown
  /** Keyset position, for the next page. */
  seq: number
}

export interface EndpointChange {
  url?: string
  description?: string | null
  events?: WebhookEventType[]
  enabled?: boolean
}

/** What webhook management needs from storage (the worker's side is in WebhookOutboxStore). */
export interface WebhookStore {
  countEndpoints(tenantId: string): Promise<number>
  insertEndpoint(e: WebhookEndpoint & { secret: string }): Promise<void>
  listEndpoints(tenantId: string): Promise<WebhookEndpoint[]>
  getEndpoint(tenantId: string, id: string): Promise<WebhookEndpoint | null>
  updateEndpoint(
    tenantId: string,
    id: string,
    change: EndpointChange,
    at: Date,
  ): Promise<WebhookEndpoint | null>
  deleteEndpoint(tenantId: string, id: string): Promise<boolean>
  listDeliveries(
    tenantId: string,
    endpointId: string,
    before: number | null,
    limit: number,
  ): Promise<WebhookDelivery[]>
}

export interface WebhookSettings {
  /** Endpoints may point at this host or private networks (tests, trusted networks). */
  allowPrivate: boolean
  /** Endpoints one tenant may register. */
  maxEndpoints: number
}

/** A Standard Webhooks secret: `whsec_` and the base64 of 24 random bytes. */
export const newWebhookSecret = () => `whsec_${randomBytes(24).toString('base64')}`

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function checkEvents(events: string[]): WebhookEventType[] {
  if (events.length === 0) throw invalid('events', 'name at least one event')
  const unknown = events.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e))
  if (unknown.length > 0) {
    throw invalid('events', `unknown event ${unknown[0]}; known: ${WEBHOOK_EVENTS.join(', ')}`)
  }
  return [...new Set(events)] as WebhookEventType[]
}

/**
 * A tenant's webhook endpoints: register (the secret is returned once), list, change, delete, and
 * each endpoint's deliveries. Every operation is scoped to the tenant: another tenant's endpoint
 * is NOT_FOUND, exactly like one that does not exist.
 *
 * @example
 * const { endpoint, secret } = await webhooks.create('acme', { url, events: ['notification.read'] })
 */
export function createWebhooks(deps: {
  store: WebhookStore
  clock: () => Date
  settings: WebhookSettings
}) {
  const { store, clock, settings } = deps

  async function get(tenantId: string, id: string): Promise<WebhookEndpoint> {
    const e = UUID.test(id) ? await store.getEndpoint(tenantId, id.toLowerCase()) : null
    if (!e) throw new HeraldError('NOT_FOUND', 'webhook endpoint not found', { id })
    return e
  }

  async function create(
    tenantId: string,
    input: { url: string; events: string[]; description?: string | null; enabled?: boolean },
  ): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const url = checkWebhookUrl(input.url, settings.allowPrivate)
    const events = checkEvents(input.events)
    // Two concurrent creations may both pass this count: the bound is loose by the concurrency.
    if ((await store.countEndpoints(tenantId)) >= settings.maxEndpoints) {
      throw new HeraldError(
        'CONFLICT',
        `a tenant has at most ${settings.maxEndpoints} webhook endpoints`,
        { max: settings.maxEndpoints },
      )
    }
    const now = clock()
    const endpoint: WebhookEndpoint = {
      id: randomUUID(),
      tenantId,
      url,
      description: input.description ?? null,
      events,
      enabled: input.enabled ?? true,
      createdAt: now,
      updatedAt: now,
    }
    const secret = newWebhookSecret()
    await store.insertEndpoint({ ...endpoint, secret })
    return { endpoint, secret }
  }

  async function update(tenantId: string, id: string, change: EndpointChange) {
    await get(tenantId, id)
    const checked: EndpointChange = {
      ...change,
      url:
        change.url === undefined ? undefined : checkWebhookUrl(change.url, settings.allowPrivate),
      events: change.events === undefined ? undefined : checkEvents(change.events),
    }
    const out = await store.updateEndpoint(tenantId, id.toLowerCase(), checked, clock())
    if (!out) throw new HeraldError('NOT_FOUND', 'webhook endpoint not found', { id })
    return out
  }

  async function remove(tenantId: string, id: string): Promise<void> {
    const gone = UUID.test(id) && (await store.deleteEndpoint(tenantId, id.toLowerCase()))
    if (!gone) throw new HeraldError('NOT_FOUND', 'webhook endpoint not found', { id })
  }

  async function deliveries(tenantId: string, id: string, before: number | null, limit: number) {
    const e = await get(tenantId, id)
    return store.listDeliveries(tenantId, e.id, before, limit)
  }

  return {
    create,
    get,
    list: (tenantId: string) => store.listEndpoints(tenantId),
    update,
    remove,
    deliveries,
  }
}

export type Webhooks = ReturnType<typeof createWebhooks>

/** An event as the outbox stores it: the exact body every endpoint of the tenant will get. */
export interface OutboxEntry {
  tenantId: string
  type: WebhookEventType
  body: string
  at: Date
}

/** A delivery a worker has claimed for one attempt. */
export interface ClaimedDelivery {
  tenantId: string
  seq: number
  messageId: string
  /** Attempts so far, this one included. */
  attempts: number
  body: string
  url: string
  secret: string
}

/** How an attempt ended, as the delivery records it. */
export interface AttemptOutcome {
  status: DeliveryStatus
  lastStatus: number | null
  lastError: string | null
  nextAttemptAt: Date | null
  deliveredAt: Date | null
}

/** The outbox, as the delivery worker uses it. */
export interface WebhookOutboxStore {
  /**
   * Which of these tenants' event types an enabled endpoint subscribes to, as `tenant\u0000type`:
   * the only events worth a body and a row.
   */
  subscribed(tenantIds: string[]): Promise<Set<string>>
  /** One delivery per enabled endpoint of the entry's tenant subscribed to its type; the count. */
  enqueue(entries: OutboxEntry[]): Promise<number>
  /**
   * Up to `limit` due deliveries of enabled endpoints, each leased until `leaseUntil` and its
   * attempt counted. Concurrent claims (other instances) never get the same delivery.
   */
  claim(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]>
  finish(d: ClaimedDelivery, outcome: AttemptOutcome): Promise<void>
  /** Deletes up to `limit` finished deliveries created before `before`; the count. */
  purge(before: Date, limit: number): Promise<number>
}
