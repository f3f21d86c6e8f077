import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifySchema } from 'fastify'
import { Type as T } from 'typebox'
import type { Limits } from '../../../config.ts'
import { EVERY_STATE } from '../../../core/filters.ts'
import type { Core } from '../../../core/herald.ts'
import type { Viewer } from '../../../core/inbox.ts'
import { type SurfaceDeps, type SurfaceHandler, viewerOf } from '../../surface.ts'
import { checkpointError, messageError } from './errors.ts'
import {
  callerId,
  ListOut,
  listItem,
  listParams,
  messageIdsBody,
  pagination,
  pathId,
  SingleOut,
  singleItem,
  typesFilter,
} from './map.ts'

const BASE = '/api/v2/notifications'
const THIRTY_DAYS_MS = 30 * 24 * 3600 * 1000

type App = Parameters<FastifyPluginAsyncTypebox<SurfaceDeps>>[0]
/** Every TM route is in the dialect's own OpenAPI document, under its tag. */
const TAGS = { tags: ['tasking-manager'] }
type Schema<S extends FastifySchema> = S & typeof TAGS

type Native<S extends FastifySchema> = SurfaceHandler<Schema<S>>
interface Ctx<S extends FastifySchema> {
  core: Core
  limits: Limits
  viewer: Viewer
  req: Parameters<Native<S>>[0]
  reply: Parameters<Native<S>>[1]
}
/** A handler whose input and answer are typed by its route's schemas. */
type Handler<S extends FastifySchema> = (ctx: Ctx<S>) => ReturnType<Native<S>>

interface TmRoute {
  method: 'GET' | 'POST' | 'DELETE'
  /** Under the dialect's prefix, in TM's registration order (actions before `{message_id}`). */
  path: string
  register(app: App, deps: SurfaceDeps): void
}

function route<S extends FastifySchema>(
  method: TmRoute['method'],
  path: string,
  schema: S,
  handler: Handler<S>,
): TmRoute {
  const register = (app: App, { core, limits }: SurfaceDeps) =>
    app.route({
      method,
      url: path,
      schema: { ...schema, ...TAGS },
      handler: (req, reply) => handler({ core, limits, viewer: viewerOf(req), req, reply }),
    })
  return { method, path, register }
}

// TM parses its query strings, path ids and bodies by its own rules (map.ts): the schemas only
// type them, and must never refuse or coerce what TM accepts.
const query = { querystring: T.Record(T.String(), T.Unknown()) }
const messageIdParam = { params: T.Object({ message_id: T.String() }) }
const anyBody = { body: T.Unknown() }

const deleted = { Success: 'Messages deleted' }
const markedRead = { Success: 'Messages marked as read' }

// Documentation of answers TM's routes send as they are (no schema serialises them).
const answers = (description: string) => ({ response: { 200: { description } } })

export const ROUTES: TmRoute[] = [
  route(
    'GET',
    `${BASE}/`,
    {
      operationId: 'listMessages',
      summary: "List the caller's messages, by page, with TM's filters and sort",
      ...query,
      response: { 200: ListOut },
    },
    async ({ core, limits, viewer, req }) => {
      const { filter, sort, page, size } = listParams(req.query, limits.filterText)
      const res = await core.inbox.list(viewer, {
        filter,
        sort,
        page: { kind: 'numbered', page, size },
      })
      return {
        pagination: pagination(page, size, res.total ?? 0),
        userMessages: res.items.map(listItem),
      }
    },
  ),
  route(
    'GET',
    `${BASE}/queries/own/count-unread/`,
    {
      operationId: 'countUnread',
      summary: 'Count the unread messages newer than the last look (at most 30 days back)',
      ...answers('`{newMessages, unread}`'),
    },
    async ({ core, viewer }) => {
      const since = new Date(core.clock().getTime() - THIRTY_DAYS_MS)
      const cp = await core.inbox.checkpoint.ensure(viewer, since)
      const { unread } = await core.inbox.counts(viewer, {
        unread: { ...EVERY_STATE, read: false, createdAt: { gt: cp.at } },
      })
      return { newMessages: unread > 0, unread }
    },
  ),
  route(
    'POST',
    `${BASE}/queries/own/post-unread/`,
    {
      operationId: 'postUnread',
      summary: 'Record a look at the messages now',
      ...answers('`0`, as TM answers'),
    },
    async ({ core, viewer, reply }) => {
      try {
        await core.inbox.checkpoint.move(viewer, 'existing')
      } catch (err) {
        throw checkpointError(err, callerId(viewer))
      }
      // A bare JSON number: TM returns its stored unread_count column, which nothing ever updates
      // after the row is created, so it is always 0.
      return reply.type('application/json').send('0')
    },
  ),
  route(
    'DELETE',
    `${BASE}/delete-multiple/`,
    {
      operationId: 'deleteMultiple',
      summary: 'Delete the messages named by `messageIds`',
      ...anyBody,
      ...answers('`{Success}`'),
    },
    async ({ core, viewer, req }) => {
      const ids = messageIdsBody(req.body)
      if (ids.length > 0) await core.inbox.removeMany(viewer, { ids, invalid: 'ignore' })
      return deleted
    },
  ),
  route(
    'DELETE',
    `${BASE}/delete-all/`,
    {
      operationId: 'deleteAll',
      summary: 'Delete every message, or those of the `messageType`s given',
      ...query,
      ...answers('`{Success}`'),
    },
    async ({ core, viewer, req }) => {
      await core.inbox.removeWhere(viewer, typesFilter(req.query))
      return deleted
    },
  ),
  route(
    'POST',
    `${BASE}/mark-as-read-all/`,
    {
      operationId: 'markAsReadAll',
      summary: 'Mark every message read, or those of the `messageType`s given',
      ...query,
      ...answers('`{Success}`'),
    },
    async ({ core, viewer, req }) => {
      const filter = { ...typesFilter(req.query), read: false }
      await core.inbox.changeWhere(viewer, { action: 'read' }, filter)
      return markedRead
    },
  ),
  route(
    'POST',
    `${BASE}/mark-as-read-multiple/`,
    {
      operationId: 'markAsReadMultiple',
      summary: 'Mark the messages named by `messageIds` read',
      ...anyBody,
      ...answers('`{Success}`'),
    },
    async ({ core, viewer, req }) => {
      const ids = messageIdsBody(req.body)
      if (ids.length > 0) {
        await core.inbox.changeMany(viewer, { action: 'read' }, { ids, invalid: 'ignore' })
      }
      return markedRead
    },
  ),
  route(
    'GET',
    `${BASE}/:message_id/`,
    {
      operationId: 'getMessage',
      summary: 'Get one message, and mark it read',
      ...messageIdParam,
      response: { 200: SingleOut },
    },
    async ({ core, viewer, req }) => {
      const id = pathId(req.params.message_id)
      try {
        // TM marks the message read but answers with the state it had before the call.
        const { before } = await core.inbox.changeOne(viewer, id, { action: 'read' })
        return singleItem(before)
      } catch (err) {
        throw messageError(err, callerId(viewer), id)
      }
    },
  ),
  route(
    'DELETE',
    `${BASE}/:message_id/`,
    {
      operationId: 'deleteMessage',
      summary: 'Delete one message',
      ...messageIdParam,
      ...answers('`{Success}`'),
    },
    async ({ core, viewer, req }) => {
      const id = pathId(req.params.message_id)
      try {
        await core.inbox.removeOne(viewer, id)
      } catch (err) {
        throw messageError(err, callerId(viewer), id)
      }
      return { Success: 'Message deleted' }
    },
  ),
]

/** Every TM route, answering as the authenticated caller. */
export const tmRoutes: FastifyPluginAsyncTypebox<SurfaceDeps> = async (app, deps) => {
  for (const r of ROUTES) r.register(app, deps)
}
