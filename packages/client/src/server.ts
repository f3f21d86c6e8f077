import { createTransport, segment } from './http.ts'
import type {
  ApiKey,
  ApiKeyBody,
  ApiKeyList,
  ApiKeyListQuery,
  HeraldUser,
  Preferences,
  PreferencesBody,
  PurgeResult,
  Retention,
  RetentionBody,
  RotateApiKeyBody,
  RotatedApiKey,
  ScheduledListQuery,
  ScheduledPage,
  ScheduledSend,
  ScheduleResponse,
  SendBody,
  SendResponse,
  SubscribersBody,
  TenantPreferences,
  TopicSubscribers,
  UserBody,
  UserList,
  UserListQuery,
  WebhookCreate,
  WebhookDeliveryPage,
  WebhookDeliveryQuery,
  WebhookEndpoint,
  WebhookEndpointCreated,
  WebhookEndpointList,
  WebhookUpdate,
} from './types.ts'

export interface HeraldServerClientOptions {
  baseUrl: string
  /** A server API key (hk_…): keep it on your backend, never in a browser. */
  apiKey: string
  fetch?: typeof fetch
}

export interface HeraldServerClient {
  /**
   * Sends; with an idempotency key, a retry of the same send creates nothing twice. With
   * `sendAt` (or `delaySeconds`) in the future the send is stored and delivered then: the answer
   * is the scheduled send (tell them apart with `isScheduled`).
   */
  send(
    body: SendBody & { sendAt?: undefined; delaySeconds?: undefined },
    opts?: { idempotencyKey?: string },
  ): Promise<SendResponse>
  send(body: SendBody, opts?: { idempotencyKey?: string }): Promise<SendResponse | ScheduleResponse>
  /** Sends scheduled for later: list (waiting ones by default), get, cancel while waiting. */
  scheduled: {
    list(query?: ScheduledListQuery): Promise<ScheduledPage>
    get(id: string): Promise<ScheduledSend>
    getByKey(idempotencyKey: string): Promise<ScheduledSend>
    cancel(id: string): Promise<ScheduledSend>
    cancelByKey(idempotencyKey: string): Promise<ScheduledSend>
  }
  users: {
    put(id: string, body: UserBody): Promise<HeraldUser>
    get(id: string): Promise<HeraldUser>
    delete(id: string): Promise<void>
    list(query?: UserListQuery): Promise<UserList>
  }
  topics: {
    setSubscribers(topic: string, body: SubscribersBody): Promise<TopicSubscribers>
    getSubscribers(topic: string): Promise<TopicSubscribers>
  }
  preferences: {
    /** The tenant's categories and defaults. */
    getTenant(): Promise<TenantPreferences>
    /** Replaces them; users' settings for categories no longer listed go with them. */
    setTenant(body: TenantPreferences): Promise<TenantPreferences>
    /** A user's settings (the user must be in the directory or have been sent to). */
    getUser(id: string): Promise<Preferences>
    setUser(id: string, body: PreferencesBody): Promise<Preferences>
  }
  apiKeys: {
    create(body?: ApiKeyBody): Promise<ApiKey>
    /** The tenant's working keys, oldest first: ids, names, times; never a secret. */
    list(query?: ApiKeyListQuery): Promise<ApiKeyList>
    /** Every instance refuses the key within a second; a key may revoke itself. */
    revoke(id: string): Promise<void>
    /** A new key; the old one keeps working `overlapSeconds` (a day by default, 0: none). */
    rotate(id: string, body?: RotateApiKeyBody): Promise<RotatedApiKey>
  }
  /** Outbound webhooks: verify what they deliver with `verifyWebhook` and the endpoint's secret. */
  webhooks: {
    /** The answer carries the signing secret: store it, no later answer shows it. */
    create(body: WebhookCreate): Promise<WebhookEndpointCreated>
    list(): Promise<WebhookEndpointList>
    get(id: string): Promise<WebhookEndpoint>
    update(id: string, body: WebhookUpdate): Promise<WebhookEndpoint>
    delete(id: string): Promise<void>
    /** Newest first; pass a page's `next` as `before` for the one after. */
    deliveries(id: string, query?: WebhookDeliveryQuery): Promise<WebhookDeliveryPage>
  }
  retention: {
    get(): Promise<Retention>
    /** Replaces the whole policy: a period left out is null (keep). */
    put(body: RetentionBody): Promise<Retention>
    /** Deletes what the policy no longer keeps now, a bounded amount a call (see `more`). */
    purge(): Promise<PurgeResult>
  }
}

/** Whether a send's answer is a scheduled send (202) rather than what a send created (201). */
export const isScheduled = (r: SendResponse | ScheduleResponse): r is ScheduleResponse =>
  'status' in r

/**
 * The producer side, for your backend (Node 20 or any runtime with fetch).
 *
 * @example
 * const herald = createHeraldServerClient({ baseUrl, apiKey: process.env.HERALD_API_KEY })
 * await herald.send({ to: { users: ['alice'] }, type: 'comment', title: 'Bob replied' })
 * const later = await herald.send(
 *   { to: { users: ['alice'] }, type: 'reminder', title: 'Stand-up', sendAt: '2027-01-04T09:00:00Z' },
 *   { idempotencyKey: 'standup-2027-01-04' },
 * )
 * await herald.scheduled.cancelByKey('standup-2027-01-04')
 */
export function createHeraldServerClient(opts: HeraldServerClientOptions): HeraldServerClient {
  const http = createTransport(opts.baseUrl, opts.apiKey, opts.fetch)
  const user = (id: string) => `/v1/users/${segment(id)}`
  const topic = (t: string) => `/v1/topics/${segment(t)}/subscribers`
  const hook = (id: string) => `/v1/webhooks/${segment(id)}`
  const scheduled = (id: string) => `/v1/scheduled/${segment(id)}`
  const byKey = (key: string) => `/v1/scheduled/by-key/${segment(key)}`
  const send = (body: SendBody, o?: { idempotencyKey?: string }) =>
    http.call<SendResponse | ScheduleResponse>('POST', '/v1/notifications', {
      body,
      headers: o?.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : undefined,
    })
  return {
    send: send as HeraldServerClient['send'],
    scheduled: {
      list: (query) => http.call('GET', '/v1/scheduled', { query }),
      get: (id) => http.call('GET', scheduled(id)),
      getByKey: (key) => http.call('GET', byKey(key)),
      cancel: (id) => http.call('DELETE', scheduled(id)),
      cancelByKey: (key) => http.call('DELETE', byKey(key)),
    },
    users: {
      put: (id, body) => http.call('PUT', user(id), { body }),
      get: (id) => http.call('GET', user(id)),
      delete: (id) => http.call('DELETE', user(id)),
      list: (query) => http.call('GET', '/v1/users', { query }),
    },
    topics: {
      setSubscribers: (t, body) => http.call('PUT', topic(t), { body }),
      getSubscribers: (t) => http.call('GET', topic(t)),
    },
    preferences: {
      getTenant: () => http.call('GET', '/v1/preferences'),
      setTenant: (body) => http.call('PUT', '/v1/preferences', { body }),
      getUser: (id) => http.call('GET', `${user(id)}/preferences`),
      setUser: (id, body) => http.call('PUT', `${user(id)}/preferences`, { body }),
    },
    apiKeys: {
      create: (body) => http.call('POST', '/v1/api-keys', { body: body ?? {} }),
      list: (query) => http.call('GET', '/v1/api-keys', { query }),
      revoke: (id) => http.call('DELETE', `/v1/api-keys/${segment(id)}`),
      rotate: (id, body) =>
        http.call('POST', `/v1/api-keys/${segment(id)}/rotate`, { body: body ?? {} }),
    },
    webhooks: {
      create: (body) => http.call('POST', '/v1/webhooks', { body }),
      list: () => http.call('GET', '/v1/webhooks'),
      get: (id) => http.call('GET', hook(id)),
      update: (id, body) => http.call('PATCH', hook(id), { body }),
      delete: (id) => http.call('DELETE', hook(id)),
      deliveries: (id, query) => http.call('GET', `${hook(id)}/deliveries`, { query }),
    },
    retention: {
      get: () => http.call('GET', '/v1/retention'),
      put: (body) => http.call('PUT', '/v1/retention', { body }),
      purge: () => http.call('POST', '/v1/retention/purge'),
    },
  }
}
