import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { isHeraldError } from '../../../core/errors.ts'
import { EVERY_STATE } from '../../../core/filters.ts'
import type { Core } from '../../../core/herald.ts'
import type { Viewer } from '../../../core/inbox.ts'
import { type SurfaceDeps, viewerOf } from '../../surface.ts'
import { envelope, tmError } from './errors.ts'
import { listParams, messageIdsBody, pathId, typesParam } from './params.ts'
import { intId, ListOut, listItem, pagination, SingleOut, singleItem } from './render.ts'

export const BASE = '/api/v2/notifications'
const THIRTY_DAYS_MS = 30 * 24 * 3600 * 1000

type Query = Record<string, string | string[] | undefined>
type Handler = (ctx: {
  core: Core
  viewer: Viewer
  req: FastifyRequest
  reply: FastifyReply
}) => Promise<unknown>

export interface TmRoute {
  method: 'GET' | 'POST' | 'DELETE'
  /** Under the dialect's prefix, in TM's registration order (actions before `{message_id}`). */
  path: string
  response?: unknown
  handler: Handler
}

/** TM's user id in bodies: the integer when the Herald id is all digits, else the id as is. */
const userIdOut = (v: Viewer): number | string => intId(v.userId) ?? v.userId

/** Core's NOT_FOUND / NOT_OWNER for one message, in TM's words and precedence. */
function messageError(err: unknown, v: Viewer, id: number): unknown {
  if (!isHeraldError(err)) return err
  if (err.code === 'NOT_FOUND') {
    return envelope(
      404,
      'MESSAGE_NOT_FOUND',
      'The requested message was not found on the server.',
      {
        message_id: id,
      },
    )
  }
  if (err.code === 'NOT_OWNER') {
    return tmError(403, {
      Error: ` User ${userIdOut(v)} attempting to access another user's message ${id}`,
      SubCode: 'AccessOtherUserMessage',
    })
  }
  return err
}

const messageId = (req: FastifyRequest) => pathId((req.params as { message_id: string }).message_id)
const types = (req: FastifyRequest) => typesParam(req.query as Query)
const deleted = { Success: 'Messages deleted' }
const markedRead = { Success: 'Messages marked as read' }

export const ROUTES: TmRoute[] = [
  {
    method: 'GET',
    path: `${BASE}/`,
    response: ListOut,
    async handler({ core, viewer, req }) {
      const { filter, sort, page, size } = listParams(req.query as Query)
      const res = await core.inbox.list(viewer, {
        filter,
        sort,
        page: { kind: 'numbered', page, size },
      })
      const total = res.total ?? 0
      return { pagination: pagination(page, size, total), userMessages: res.items.map(listItem) }
    },
  },
  {
    method: 'GET',
    path: `${BASE}/queries/own/count-unread/`,
    async handler({ core, viewer }) {
      const since = new Date(core.clock().getTime() - THIRTY_DAYS_MS)
      const cp = await core.inbox.checkpoint.ensure(viewer, since)
      const { unread } = await core.inbox.counts(viewer, {
        unread: { ...EVERY_STATE, read: false, createdAt: { gt: cp.at } },
      })
      return { newMessages: unread > 0, unread }
    },
  },
  {
    method: 'POST',
    path: `${BASE}/queries/own/post-unread/`,
    async handler({ core, viewer, reply }) {
      try {
        await core.inbox.checkpoint.move(viewer, 'existing')
        // A bare JSON number: TM returns its stored unread_count column, which nothing ever
        // updates after the row is created, so it is always 0.
        return reply.type('application/json').send('0')
      } catch (err) {
        if (isHeraldError(err) && err.code === 'NOT_FOUND') {
          throw envelope(
            404,
            'NOTIFICATIONS_NOT_FOUND',
            'The notifications associated with the requested resource were not found on the server.',
            { user_id: userIdOut(viewer) },
          )
        }
        throw err
      }
    },
  },
  {
    method: 'DELETE',
    path: `${BASE}/delete-multiple/`,
    async handler({ core, viewer, req }) {
      const ids = messageIdsBody(req.body)
      if (ids.length > 0) await core.inbox.removeMany(viewer, { ids, invalid: 'ignore' })
      return deleted
    },
  },
  {
    method: 'DELETE',
    path: `${BASE}/delete-all/`,
    async handler({ core, viewer, req }) {
      const t = types(req)
      await core.inbox.removeWhere(viewer, { ...EVERY_STATE, ...(t ? { types: t } : {}) })
      return deleted
    },
  },
  {
    method: 'POST',
    path: `${BASE}/mark-as-read-all/`,
    async handler({ core, viewer, req }) {
      const t = types(req)
      const filter = { ...EVERY_STATE, read: false, ...(t ? { types: t } : {}) }
      await core.inbox.changeWhere(viewer, { action: 'read' }, filter)
      return markedRead
    },
  },
  {
    method: 'POST',
    path: `${BASE}/mark-as-read-multiple/`,
    async handler({ core, viewer, req }) {
      const ids = messageIdsBody(req.body)
      if (ids.length > 0) {
        await core.inbox.changeMany(viewer, { action: 'read' }, { ids, invalid: 'ignore' })
      }
      return markedRead
    },
  },
  {
    method: 'GET',
    path: `${BASE}/:message_id/`,
    response: SingleOut,
    async handler({ core, viewer, req }) {
      const id = messageId(req)
      try {
        // TM marks the message read but answers with the state it had before the call.
        const { before } = await core.inbox.changeOne(viewer, id, { action: 'read' })
        return singleItem(before)
      } catch (err) {
        throw messageError(err, viewer, id)
      }
    },
  },
  {
    method: 'DELETE',
    path: `${BASE}/:message_id/`,
    async handler({ core, viewer, req }) {
      const id = messageId(req)
      try {
        await core.inbox.removeOne(viewer, id)
      } catch (err) {
        throw messageError(err, viewer, id)
      }
      return { Success: 'Message deleted' }
    },
  },
]

/** Every TM route, answering as the authenticated caller. */
export const tmRoutes: FastifyPluginAsyncTypebox<SurfaceDeps> = async (app, { core }) => {
  for (const route of ROUTES) {
    app.route({
      method: route.method,
      url: route.path,
      schema: { hide: true, ...(route.response ? { response: { 200: route.response } } : {}) },
      handler: (req, reply) => route.handler({ core, viewer: viewerOf(req), req, reply }),
    })
  }
}
