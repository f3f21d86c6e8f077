// The client's domain types, read off the generated `paths` by path and method, so they follow the
// OpenAPI document whatever its component schemas are named.
import type { paths } from './schema.d.ts'

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never
type Ok<Op> = Op extends { responses: infer R }
  ? R extends { 200: infer A }
    ? Json<A>
    : R extends { 201: infer C }
      ? Json<C>
      : never
  : never
type Accepted<Op> = Op extends { responses: { 202: infer A } } ? Json<A> : never
type Body<Op> = Op extends { requestBody?: infer B } ? NonNullable<Json<NonNullable<B>>> : never
type Query<Op> = Op extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never

type Me = paths['/v1/me/notifications']
type One = paths['/v1/me/notifications/{id}']
type Bulk = paths['/v1/me/notifications/bulk']['post']
type CountsGet = paths['/v1/me/counts']['get']
type Send = paths['/v1/notifications']['post']
type User = paths['/v1/users/{userId}']
type Subscribers = paths['/v1/topics/{topic}/subscribers']

/** One notification as its recipient sees it. */
export type Notification = Ok<One['get']>
/** A page of the list: `nextCursor` is null on the last one. */
export type Page = Ok<Me['get']>
/** Filters, order, cursor and page size of `GET /v1/me/notifications`. */
export type ListQuery = Query<Me['get']>
/** What `bulk` changes: `ids`, or every notification matching `filter` (`{}` is all). */
export type BulkBody = Body<Bulk>
export type FilterBody = NonNullable<BulkBody['filter']>
export type BulkResult = Ok<Bulk>
/** Filters of `GET /v1/me/counts`, with `cap` (99 for "99+") and `byType`. */
export type CountsQuery = Query<CountsGet>
/** `GET /v1/me/counts` as Herald answers it. */
export type CountsResponse = Ok<CountsGet>
/**
 * Badge counts: the answer (`counts`, `capped`, `byType` when asked), with `unread`, `unseen`
 * and `total` lifted to the top. Counts from the stream have no `total` and are capped at 99.
 */
export type Counts = CountsResponse & { unread: number; unseen: number; total?: number }
export type Checkpoint = Ok<paths['/v1/me/checkpoint']['get']>

type MyPreferences = paths['/v1/me/preferences']
/** A user's settings (`types`, `categories`), with the tenant's categories and defaults. */
export type Preferences = Ok<MyPreferences['get']>
/** What `preferences.set` takes: it replaces the user's settings (what is absent is unset). */
export type PreferencesBody = Body<MyPreferences['put']>
/** The tenant's categories (named sets of types, each with a default) and defaults by type. */
export type TenantPreferences = Ok<paths['/v1/preferences']['get']>

export type SendBody = Body<Send>
export type SendResponse = Ok<Send>
/** A send with `sendAt` or `delaySeconds` in the future: stored, answered 202. */
export type ScheduleResponse = Accepted<Send>
export type ScheduledSend = Ok<paths['/v1/scheduled/{id}']['get']>
export type ScheduledPage = Ok<paths['/v1/scheduled']['get']>
export type ScheduledListQuery = Query<paths['/v1/scheduled']['get']>
export type UserBody = Body<User['put']>
export type HeraldUser = Ok<User['get']>
export type UserList = Ok<paths['/v1/users']['get']>
export type UserListQuery = Query<paths['/v1/users']['get']>
export type SubscribersBody = Body<Subscribers['put']>
export type TopicSubscribers = Ok<Subscribers['get']>
export type ApiKeyBody = Body<paths['/v1/api-keys']['post']>
export type ApiKey = Ok<paths['/v1/api-keys']['post']>
/** A page of the tenant's working keys (never their secrets); `next` is null on the last one. */
export type ApiKeyList = Ok<paths['/v1/api-keys']['get']>
export type ApiKeyListQuery = Query<paths['/v1/api-keys']['get']>
export type RotateApiKeyBody = Body<paths['/v1/api-keys/{keyId}/rotate']['post']>
/** The new key (shown once) and when the old one stops working. */
export type RotatedApiKey = Ok<paths['/v1/api-keys/{keyId}/rotate']['post']>

type Hooks = paths['/v1/webhooks']
type Hook = paths['/v1/webhooks/{webhookId}']
type Deliveries = paths['/v1/webhooks/{webhookId}/deliveries']['get']
/** `url`, `events`, and optionally `description` and `enabled`. */
export type WebhookCreate = Body<Hooks['post']>
/** A new endpoint with its signing `secret` (whsec_…), which no later answer repeats. */
export type WebhookEndpointCreated = Ok<Hooks['post']>
export type WebhookEndpoint = Ok<Hook['get']>
export type WebhookEndpointList = Ok<Hooks['get']>
export type WebhookUpdate = Body<Hook['patch']>
export type WebhookDeliveryQuery = Query<Deliveries>
export type WebhookDeliveryPage = Ok<Deliveries>
export type WebhookDelivery = WebhookDeliveryPage['items'][number]
/** The tenant's retention policy (days; null keeps). */
export type Retention = Ok<paths['/v1/retention']['get']>
export type RetentionBody = Body<paths['/v1/retention']['put']>
/** What a purge deleted; `more` says whether to call again. */
export type PurgeResult = Ok<paths['/v1/retention/purge']['post']>
