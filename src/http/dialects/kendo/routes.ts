import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify'
import { EVERY_STATE } from '../../../core/filters.ts'
import type { BulkResult, IdTarget, Inbox, Viewer } from '../../../core/inbox.ts'
import { principalOf, type SurfaceDeps, viewerOf } from '../../surface.ts'
import { authorize, PERMISSION_DELETE, PERMISSION_UPDATE } from './auth.ts'
import { renderNotification } from './render.ts'
import { NotificationList } from './schemas.ts'
import { withOwnIds } from './validate.ts'

/**
 * Kendo lists every notification without paging; Herald answers at most this many, newest first,
 * so one request can never build an unbounded response.
 */
export const LIST_BOUND = 10_000

const LIST_PATH = '/api/notifications'

interface BulkRoute {
  path: string
  permission: string
  run: (inbox: Inbox, viewer: Viewer, target: IdTarget) => Promise<BulkResult>
}

const BULK: BulkRoute[] = [
  {
    path: `${LIST_PATH}/bulk-read`,
    permission: PERMISSION_UPDATE,
    run: (inbox, v, t) => inbox.changeMany(v, { action: 'read' }, t),
  },
  {
    path: `${LIST_PATH}/bulk-unread`,
    permission: PERMISSION_UPDATE,
    run: (inbox, v, t) => inbox.changeMany(v, { action: 'unread' }, t),
  },
  {
    path: `${LIST_PATH}/bulk-delete`,
    permission: PERMISSION_DELETE,
    run: (inbox, v, t) => inbox.removeMany(v, t),
  },
]

/** Every route's path (as Laravel names it, without slashes) and its methods, for 404 vs 405. */
export const ROUTE_METHODS = new Map<string, string[]>([
  [LIST_PATH.slice(1), ['GET', 'HEAD']],
  ...BULK.map((b): [string, string[]] => [b.path.slice(1), ['POST']]),
])

/** Laravel matches a path with or without a trailing slash; register both spellings. */
function route(
  app: FastifyInstance,
  method: 'GET' | 'POST',
  path: string,
  handler: RouteHandlerMethod,
  response?: Record<number, unknown>,
) {
  for (const url of [path, `${path}/`]) {
    app.route({ method, url, handler, schema: { hide: true, ...(response ? { response } : {}) } })
  }
}

export const kendoRoutes: FastifyPluginAsyncTypebox<SurfaceDeps> = async (app, { core }) => {
  const { inbox, directory } = core

  route(
    app,
    'GET',
    LIST_PATH,
    async (req: FastifyRequest) => {
      // Kendo has no dismiss or snooze: its list is every notification the user still has.
      const page = await inbox.list(viewerOf(req), {
        filter: EVERY_STATE,
        sort: { field: 'createdAt', direction: 'desc' },
        page: { kind: 'numbered', page: 1, size: LIST_BOUND },
      })
      return page.items.map(renderNotification)
    },
    { 200: NotificationList },
  )

  for (const b of BULK) {
    route(app, 'POST', b.path, async (req: FastifyRequest, reply: FastifyReply) => {
      const viewer = viewerOf(req)
      await authorize(directory, principalOf(req), b.permission)
      await withOwnIds(inbox, viewer, req.body, (t) => b.run(inbox, viewer, t))
      return reply.code(204).send()
    })
  }
}
