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

export type SendBody = Body<Send>
export type SendResponse = Ok<Send>
export type UserBody = Body<User['put']>
export type HeraldUser = Ok<User['get']>
export type UserList = Ok<paths['/v1/users']['get']>
export type UserListQuery = Query<paths['/v1/users']['get']>
export type SubscribersBody = Body<Subscribers['put']>
export type TopicSubscribers = Ok<Subscribers['get']>
export type ApiKeyBody = Body<paths['/v1/api-keys']['post']>
export type ApiKey = Ok<paths['/v1/api-keys']['post']>
/** The tenant's retention policy (days; null keeps). */
export type Retention = Ok<paths['/v1/retention']['get']>
export type RetentionBody = Body<paths['/v1/retention']['put']>
/** What a purge deleted; `more` says whether to call again. */
export type PurgeResult = Ok<paths['/v1/retention/purge']['post']>
