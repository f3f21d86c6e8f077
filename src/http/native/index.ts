import type { FastifyInstance, FastifyRequest } from 'fastify'
import { HeraldError } from '../../core/errors.ts'
import type { Viewer } from '../../core/inbox.ts'
import type { Principal } from '../../core/notification.ts'
import { streamRoutes } from '../../realtime/sse.ts'
import type { SurfaceOptions } from '../app.ts'
import { inboxRoutes } from './inbox.ts'
import { producerRoutes } from './producer.ts'
import { ErrorBody } from './schemas.ts'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null
  }
}

/** The caller's inbox, for routes that need a user token. */
export function viewerOf(req: FastifyRequest): Viewer {
  const p = req.principal
  if (!p?.userId) throw new HeraldError('FORBIDDEN', 'this route needs a user token')
  return { tenantId: p.tenantId, userId: p.userId }
}

/** The producer's tenant, for routes that need a server API key. */
export function producerOf(req: FastifyRequest): string {
  const p = req.principal
  if (p?.kind !== 'server') throw new HeraldError('FORBIDDEN', 'this route needs a server API key')
  return p.tenantId
}

/** The native API (/v1): producer routes for server API keys, inbox routes for user tokens. */
export async function nativeApi(app: FastifyInstance, { core, auth }: SurfaceOptions) {
  app.addSchema(ErrorBody)
  app.decorateRequest('principal', null)
  // Before the body is parsed and validated: a caller without a valid credential learns nothing,
  // not even which fields a route takes, and costs no parsing.
  app.addHook('onRequest', async (req) => {
    // Browsers' EventSource cannot send headers, so the stream also takes ?access_token=.
    const token = (req.query as { access_token?: string } | null)?.access_token
    const streaming = req.routeOptions.url?.endsWith('/me/stream') === true
    req.principal =
      streaming && token && !req.headers.authorization
        ? await auth.credential(token)
        : await auth.bearer(req.headers.authorization)
  })
  await app.register(producerRoutes, { core })
  await app.register(inboxRoutes, { core })
  await app.register(streamRoutes, { core })
}
