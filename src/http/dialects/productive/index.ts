import type { FastifyInstance, FastifyRequest } from 'fastify'
import { HeraldError } from '../../../core/errors.ts'
import type { Surface } from '../../surface.ts'
import { JSONAPI_TYPE, notFound, renderError } from './errors.ts'
import { admit, chooseTenant, credential } from './map.ts'
import { productiveRoutes } from './routes.ts'

const JSONAPI_MEDIA = 'application/vnd.api+json'

const hasBody = (req: FastifyRequest) =>
  req.headers['transfer-encoding'] !== undefined ||
  (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0')

const mediaOf = (req: FastifyRequest) =>
  String(req.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase()

/** JSON:API bodies only; any other media type on a request with a body is 415. */
function acceptJsonApi(app: FastifyInstance) {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(
    '*',
    { parseAs: 'string' },
    async (req: FastifyRequest, body: string) => {
      if (mediaOf(req) !== JSONAPI_MEDIA) {
        throw new HeraldError('UNSUPPORTED_MEDIA_TYPE', `the body must be ${JSONAPI_MEDIA}`)
      }
      // Invalid JSON throws a SyntaxError, which the shared error handler classifies as such.
      return body === '' ? undefined : JSON.parse(body)
    },
  )
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
  chooseTenant,
  admit,
  renderError,
  notFound,
  setup: acceptJsonApi,
  credentialHeaders: (token, tenant) => ({ 'x-auth-token': token, 'x-organization-id': tenant }),
  routes: productiveRoutes,
  docs: {
    title: 'Productive dialect',
    description:
      "Productive's JSON:API notifications served by Herald: list, show, read, dismiss and undismiss, in `application/vnd.api+json`. See docs/compat/productive.md.",
    tags: [
      { name: 'productive', description: "The caller's notifications, as Productive has them" },
    ],
    securitySchemes: {
      authToken: {
        type: 'apiKey',
        in: 'header',
        name: 'X-Auth-Token',
        description: 'A user token',
      },
      organization: {
        type: 'apiKey',
        in: 'header',
        name: 'X-Organization-Id',
        description: "The user token's tenant",
      },
    },
    security: [{ authToken: [], organization: [] }],
  },
}
