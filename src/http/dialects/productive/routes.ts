import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type as T } from 'typebox'
import { type SurfaceDeps, viewerOf } from '../../surface.ts'
import {
  ACTIONS,
  ListDocument,
  listDocument,
  notificationId,
  parseListQuery,
  SingleDocument,
  singleDocument,
} from './map.ts'

const COLLECTION = '/api/v2/notifications'

const tags = ['productive']
const member = (operationId: string, summary: string) => ({
  schema: {
    tags,
    operationId,
    summary,
    params: T.Object({ id: T.String() }),
    response: { 200: SingleDocument },
  },
})

/**
 * The caller's notifications: list, show, and the three PATCH actions. Another user's
 * notification is not found (see errors.ts); the JSON:API media type is set by the scope.
 */
export const productiveRoutes: FastifyPluginAsyncTypebox<SurfaceDeps> = async (
  app,
  { core, limits },
) => {
  const { inbox } = core
  const path = `${app.prefix}${COLLECTION}`

  const list = {
    tags,
    operationId: 'listNotifications',
    summary: "List the caller's notifications, with JSON:API filters and pages",
    response: { 200: ListDocument },
  }
  app.get(COLLECTION, { schema: list }, async (req) => {
    // The list reads the raw query string: JSON:API's filter[...] and page[...] keys are its own.
    const q = parseListQuery(req.url, limits.filterText)
    const page = await inbox.list(viewerOf(req), q)
    // Links are absolute, on the Host and protocol the client used.
    const base = `${req.protocol}://${req.host || 'localhost'}${path}`
    return listDocument(page.items, page.total ?? 0, q, base)
  })

  app.get(`${COLLECTION}/:id`, member('getNotification', 'Get one notification'), async (req) =>
    singleDocument(await inbox.get(viewerOf(req), notificationId(req.params.id))),
  )

  for (const [action, change] of Object.entries(ACTIONS)) {
    const doc = member(
      `${action}Notification`,
      `${action[0]?.toUpperCase()}${action.slice(1)} one notification`,
    )
    app.patch(`${COLLECTION}/:id/${action}`, doc, async (req) => {
      // Already in that state is fine: the route answers 200 with the resource either way.
      const id = notificationId(req.params.id)
      const { after } = await inbox.changeOne(viewerOf(req), id, change)
      return singleDocument(after)
    })
  }
}
