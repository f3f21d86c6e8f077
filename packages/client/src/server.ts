import { createTransport, segment } from './http.ts'
import type {
  ApiKey,
  ApiKeyBody,
  HeraldUser,
  Preferences,
  PreferencesBody,
  SendBody,
  SendResponse,
  SubscribersBody,
  TenantPreferences,
  TopicSubscribers,
  UserBody,
  UserList,
  UserListQuery,
} from './types.ts'

export interface HeraldServerClientOptions {
  baseUrl: string
  /** A server API key (hk_…): keep it on your backend, never in a browser. */
  apiKey: string
  fetch?: typeof fetch
}

export interface HeraldServerClient {
  /** Sends; with an idempotency key, a retry of the same send creates nothing twice. */
  send(body: SendBody, opts?: { idempotencyKey?: string }): Promise<SendResponse>
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
  apiKeys: { create(body?: ApiKeyBody): Promise<ApiKey> }
}

/**
 * The producer side, for your backend (Node 20 or any runtime with fetch).
 *
 * @example
 * const herald = createHeraldServerClient({ baseUrl, apiKey: process.env.HERALD_API_KEY })
 * await herald.send({ to: { users: ['alice'] }, type: 'comment', title: 'Bob replied' })
 */
export function createHeraldServerClient(opts: HeraldServerClientOptions): HeraldServerClient {
  const http = createTransport(opts.baseUrl, opts.apiKey, opts.fetch)
  const user = (id: string) => `/v1/users/${segment(id)}`
  const topic = (t: string) => `/v1/topics/${segment(t)}/subscribers`
  return {
    send: (body, o) =>
      http.call('POST', '/v1/notifications', {
        body,
        headers: o?.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : undefined,
      }),
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
    apiKeys: { create: (body) => http.call('POST', '/v1/api-keys', { body: body ?? {} }) },
  }
}
