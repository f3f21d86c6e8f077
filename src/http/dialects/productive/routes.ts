import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Authenticator } from '../../../auth/principal.ts'
import { isHeraldError } from '../../../core/errors.ts'
import type { Core } from '../../../core/herald.ts'
import type { StateChange } from '../../../core/store.ts'
import { productiveAuth, viewerOf } from './auth.ts'
import { JSONAPI_TYPE, recordNotFound } from './errors.ts'
import { parseListQuery } from './query.ts'
import { listDocument, singleDocument } from './render.ts'

const COLLECTION = '/api/v2/notifications'

/** What each PATCH member route does; `read` leaves `dismissed` alone and `dismiss` leaves `read`. */
const ACTIONS: Record<string, StateChange> = {
  read: { action: 'read' },
  dismiss: { action: 'dismiss' },
  undismiss: { action: 'undismiss' },
}

const numericId = (raw: string): number => {
  if (!/^\d{1,15}$/.test(raw)) throw recordNotFound(raw)
  return Number(raw)
}

/** The resource is scoped to its owner: another user's notification is simply not found. */
async function owned<R>(raw: string, fn: (id: number) => Promise<R>): Promise<R> {
  const id = numericId(raw)
  try {
    return await fn(id)
  } catch (err) {
    if (isHeraldError(err) && (err.code === 'NOT_FOUND' || err.code === 'FORBIDDEN')) {
      throw recordNotFound(raw)
    }
    throw err
  }
}

const origin = (req: FastifyRequest) => `${req.protocol}://${req.host || 'localhost'}`

const json = (reply: FastifyReply, body: unknown) => reply.type(JSONAPI_TYPE).send(body)

export async function productiveRoutes(
  app: FastifyInstance,
  { core, auth }: { core: Core; auth: Authenticator },
) {
  const { inbox } = core
  const authenticate = productiveAuth(auth)
  // After the rate limiter (an onRequest hook), so failed credentials are limited too; before the
  // body is read, so a caller without a credential learns nothing about body rules.
  const base = {
    schema: { hide: true },
    preParsing: async (req: FastifyRequest, _reply: FastifyReply, payload: unknown) => {
      await authenticate(req)
      return payload
    },
  }

  app.get(COLLECTION, base, async (req, reply) => {
    const q = parseListQuery(req.url.split('?')[1] ?? '')
    const page = await inbox.list(viewerOf(req), {
      filter: q.filter,
      sort: q.sort,
      page: { kind: 'numbered', page: q.number, size: q.size },
    })
    const collection = `${origin(req)}${req.routeOptions.url ?? req.url.split('?')[0]}`
    return json(reply, listDocument(page.items, { ...q, base: collection, total: page.total ?? 0 }))
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
