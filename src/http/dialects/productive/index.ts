import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Surface } from '../../surface.ts'
import { invalidJson, JSONAPI_TYPE, notFound, renderError, unsupportedMediaType } from './errors.ts'
import { admit, credential } from './map.ts'
import { productiveRoutes } from './routes.ts'

const hasBody = (req: FastifyRequest) =>
  req.headers['transfer-encoding'] !== undefined ||
  (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0')

/** JSON:API bodies only; any other media type on a request with a body is 415. */
function acceptJsonApi(app: FastifyInstance) {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    const media = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim()
      .toLowerCase()
    if (media !== 'application/vnd.api+json') {
      done(unsupportedMediaType(req), undefined)
      return
    }
    if (body === '') return done(null, undefined)
    try {
      done(null, JSON.parse(String(body)))
    } catch {
      done(invalidJson(), undefined)
    }
  })
  // Clients send a Content-Type on body-less PATCHes too (the document's examples do): with no
  // body there is nothing to type, so the header is not held against them.
  app.addHook('onRequest', async (req) => {
    if (!hasBody(req)) delete req.headers['content-type']
  })
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('content-type', JSONAPI_TYPE)
    return payload
  })
}

/**
 * The Productive (JSON:API) notifications API: list, show, read, dismiss and undismiss the
 * caller's notifications, authenticated by `X-Auth-Token` and `X-Organization-Id`.
 */
export const productive: Surface = {
  name: 'productive',
  accepts: ['user'],
  credential,
  admit,
  renderError,
  notFound,
  setup: acceptJsonApi,
  credentialHeaders: (token, tenant) => ({ 'x-auth-token': token, 'x-organization-id': tenant }),
  routes: productiveRoutes,
}
