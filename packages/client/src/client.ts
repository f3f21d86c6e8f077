import { type Credential, createTransport, segment } from './http.ts'
import {
  liftCounts,
  type StreamHandlers,
  type SubscribeOptions,
  type Subscription,
  subscribe,
} from './subscribe.ts'
import type {
  BulkBody,
  BulkResult,
  Checkpoint,
  Counts,
  CountsQuery,
  CountsResponse,
  FilterBody,
  ListQuery,
  Notification,
  Page,
  Preferences,
  PreferencesBody,
} from './types.ts'

export interface HeraldClientOptions {
  /** Where Herald answers, e.g. 'http://127.0.0.1:8787' (without /v1). */
  baseUrl: string
  /** The user's token (a JWT your backend signs), or a function called for every request. */
  token: Credential
  /**
   * For a user in several tenants (a token with a `tenants` claim): the tenant this client acts
   * in, sent as `X-Herald-Tenant` with every request, the live subscription's included. Absent:
   * the token's own `tenant`.
   */
  tenant?: string
  /** Defaults to globalThis.fetch. */
  fetch?: typeof fetch
}

export type NotificationId = number | string
type Change = (id: NotificationId) => Promise<Notification>

export interface HeraldClient {
  notifications: {
    list(query?: ListQuery): Promise<Page>
    /** Every page of the list, following `nextCursor` until the last. */
    pages(query?: ListQuery): AsyncIterable<Notification[]>
    get(id: NotificationId): Promise<Notification>
    read: Change
    unread: Change
    seen: Change
    unseen: Change
    dismiss: Change
    undismiss: Change
    unsnooze: Change
    snooze(id: NotificationId, until: Date | string): Promise<Notification>
    delete(id: NotificationId): Promise<void>
    bulk(body: BulkBody): Promise<BulkResult>
    /**
     * Marks read every notification matching `filter` (all of them without one). Without a
     * narrowing filter, `changed` counts up to 99 only: past it, 99 with `capped: true`.
     */
    markAllRead(filter?: FilterBody): Promise<BulkResult>
  }
  counts(query?: CountsQuery): Promise<Counts>
  checkpoint: {
    get(): Promise<Checkpoint>
    /** "Opened the inbox": everything so far counts as seen. */
    move(): Promise<{ at: string }>
  }
  preferences: {
    /** The user's settings by type and category, and the tenant's categories and defaults. */
    get(): Promise<Preferences>
    /**
     * Replaces the user's settings, e.g. `{ types: { comment: { inApp: false } } }`; a type or
     * category left out follows the tenant's default again.
     */
    set(body: PreferencesBody): Promise<Preferences>
  }
  /** Live events; see StreamHandlers and SubscribeOptions. */
  subscribe(handlers: StreamHandlers, opts?: SubscribeOptions): Subscription
}

/**
 * A client for one user's inbox, for a browser or Node.
 *
 * @example
 * const herald = createHeraldClient({ baseUrl: 'https://herald.example.com', token: getToken })
 * const { items } = await herald.notifications.list({ read: false })
 * herald.subscribe({ notification: (n) => show(n), counts: (c) => badge(c.unread) })
 */
export function createHeraldClient(opts: HeraldClientOptions): HeraldClient {
  const http = createTransport(
    opts.baseUrl,
    opts.token,
    opts.fetch,
    opts.tenant ? { 'x-herald-tenant': opts.tenant } : {},
  )
  const path = (id: NotificationId) => `/v1/me/notifications/${segment(id)}`
  const act =
    (action: string): Change =>
    (id) =>
      http.call('POST', `${path(id)}/${action}`)
  const list = (query?: ListQuery) => http.call<Page>('GET', '/v1/me/notifications', { query })
  const bulk = (body: BulkBody) =>
    http.call<BulkResult>('POST', '/v1/me/notifications/bulk', { body })

  return {
    notifications: {
      list,
      async *pages(query?: ListQuery) {
        let cursor = query?.cursor
        do {
          const page = await list({ ...query, cursor })
          yield page.items
          cursor = page.nextCursor ?? undefined
        } while (cursor)
      },
      get: (id) => http.call('GET', path(id)),
      read: act('read'),
      unread: act('unread'),
      seen: act('seen'),
      unseen: act('unseen'),
      dismiss: act('dismiss'),
      undismiss: act('undismiss'),
      unsnooze: act('unsnooze'),
      snooze: (id, until) =>
        http.call('POST', `${path(id)}/snooze`, {
          body: { until: until instanceof Date ? until.toISOString() : until },
        }),
      delete: (id) => http.call('DELETE', path(id)),
      bulk,
      markAllRead: (filter) => bulk({ action: 'read', filter: filter ?? {} }),
    },
    counts: async (query) =>
      liftCounts(await http.call<CountsResponse>('GET', '/v1/me/counts', { query })),
    checkpoint: {
      get: () => http.call('GET', '/v1/me/checkpoint'),
      move: () => http.call('PUT', '/v1/me/checkpoint'),
    },
    preferences: {
      get: () => http.call('GET', '/v1/me/preferences'),
      set: (body) => http.call('PUT', '/v1/me/preferences', { body }),
    },
    subscribe: (handlers, options) => subscribe(http, handlers, options),
  }
}
