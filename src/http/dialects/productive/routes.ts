import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { isHeraldError } from '../../../core/errors.ts'
import { type SurfaceDeps, viewerOf } from '../../surface.ts'
import { JSONAPI_TYPE, recordNotFound } from './errors.ts'
import { ACTIONS, listDocument, notificationId, parseListQuery, singleDocument } from './map.ts'

const COLLECTION = '/api/v2/notifications'

/** The resource is scoped to its owner: another user's notification is simply not found. */
async function owned<R>(raw: string, fn: (id: number) => Promise<R>): Promise<R> {
  const id = notificationId(raw)
  try {
    return await fn(id)
  } catch (err) {
    if (isHeraldError(err) && (err.code === 'NOT_FOUND' || err.code === 'NOT_OWNER')) {
      throw recordNotFound(raw)
    }
    throw err
  }
}

const origin = (req: FastifyRequest) => `${req.protocol}://${req.host || 'localhost'}`

const json = (reply: FastifyReply, body: unknown) => reply.type(JSONAPI_TYPE).send(body)

export const productiveRoutes: FastifyPluginAsyncTypebox<SurfaceDeps> = async (app, { core }) => {
  const { inbox } = core
  const base = { schema: { hide: true } }

  app.get(COLLECTION, base, async (req, reply) => {
    const q = parseListQuery(req.url)
    const page = await inbox.list(viewerOf(req), q)
    const collection = `${origin(req)}${req.routeOptions.url ?? req.url.split('?')[0]}`
    return json(reply, listDocument(page.items, page.total ?? 0, q, collection))
  })

  app.get(`${COLLECTION}/:id`, base, async (req, reply) => {
    const { id } = req.params as { id: string }
    const n = await owned(id, (num) => inbox.get(viewerOf(req), num))
    return json(reply, singleDocument(n))
  })

  for (const [path, change] of Object.entries(ACTIONS)) {
    app.patch(`${COLLECTION}/:id/${path}`, base, async (req, reply) => {
      const { id } = req.params as { id: string }
      // Already in that state is fine: the route answers 200 with the resource either way.
      const { after } = await owned(id, (num) => inbox.changeOne(viewerOf(req), num, change))
      return json(reply, singleDocument(after))
    })
  }
}
