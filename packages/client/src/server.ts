import { createTransport, segment } from './http.ts'
import type {
  ApiKey,
  ApiKeyBody,
  HeraldUser,
  PurgeResult,
  Retention,
  RetentionBody,
  SendBody,
  SendResponse,
  SubscribersBody,
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
  apiKeys: { create(body?: ApiKeyBody): Promise<ApiKey> }
  retention: {
    get(): Promise<Retention>
    /** Replaces the whole policy: a period left out is null (keep). */
    put(body: RetentionBody): Promise<Retention>
    /** Deletes what the policy no longer keeps now, a bounded amount a call (see `more`). */
    purge(): Promise<PurgeResult>
  }
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
    apiKeys: { create: (body) => http.call('POST', '/v1/api-keys', { body: body ?? {} }) },
    retention: {
      get: () => http.call('GET', '/v1/retention'),
      put: (body) => http.call('PUT', '/v1/retention', { body }),
      purge: () => http.call('POST', '/v1/retention/purge'),
    },
  }
}
