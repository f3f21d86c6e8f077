/**
 * @herald/client: Herald's native API for browsers and Node 20, with no runtime dependency.
 *
 * @example
 * import { createHeraldClient } from '@herald/client'
 * const herald = createHeraldClient({ baseUrl: 'http://127.0.0.1:8787', token })
 * const sub = herald.subscribe({ counts: (c) => setBadge(c.unread, c.capped.unread) })
 */
export {
  createHeraldClient,
  type HeraldClient,
  type HeraldClientOptions,
  type NotificationId,
} from './client.ts'
export { HeraldApiError } from './errors.ts'
export type { Credential } from './http.ts'
export type { paths } from './schema.d.ts'
export {
  createHeraldServerClient,
  type HeraldServerClient,
  type HeraldServerClientOptions,
  isScheduled,
} from './server.ts'
export type {
  StreamHandlers,
  StreamStatus,
  SubscribeOptions,
  Subscription,
} from './subscribe.ts'
export type * from './types.ts'
export { verifyWebhook, type WebhookHeaders } from './webhook-verify.ts'
