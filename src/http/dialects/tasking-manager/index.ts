import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Answer, Surface } from '../../surface.ts'
import {
  malformedAuth,
  methodNotAllowed,
  renderError,
  routeNotFound,
  slashRedirect,
} from './errors.ts'
import { BadJson, credential, isMalformed } from './map.ts'
import { ROUTES, tmRoutes } from './routes.ts'

const patterns = ROUTES.map((r) => ({
  method: r.method,
  re: new RegExp(`^${r.path.replace(/:[a-z_]+/g, '[^/]+')}$`),
}))

/**
 * Starlette's routing for what Fastify did not match: 405 with Allow, 307 to the slash form. TM's
 * authentication middleware runs first, so a malformed header is a 400 on any path.
 */
function notFound(req: FastifyRequest, prefix: string): Answer {
  if (isMalformed(req.headers.authorization)) return malformedAuth()
  const [rawPath = '', query] = req.url.split(/\?(.*)/s, 2)
  const path = rawPath.slice(prefix.length)
  // Starlette answers with the methods of the first route whose path matched.
  const first = patterns.find((p) => p.re.test(path))?.method
  if (first) return methodNotAllowed(first === 'GET' ? ['GET', 'HEAD'] : [first])
  if (!path.endsWith('/') && patterns.some((p) => p.re.test(`${path}/`))) {
    return slashRedirect(`${req.protocol}://${req.host}${rawPath}/${query ? `?${query}` : ''}`)
  }
  return routeNotFound()
}

/**
 * TM reads bodies with `request.json()` whatever the content type; bad JSON matters only to the
 * routes that read a body, so it is kept as a marker rather than failing every route.
 */
function readAnyBody(app: FastifyInstance) {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body)
    if (text.trim() === '') return done(null, undefined)
    try {
      done(null, JSON.parse(text))
    } catch (err) {
      done(null, new BadJson(err instanceof Error ? err.message : String(err)))
    }
  })
}

/**
 * HOT Tasking Manager's notifications API (`/api/v2/notifications/…`), quirks included, over the
 * same core as the native API. See docs/compat/tasking-manager.md.
 */
export const taskingManager: Surface = {
  name: 'tasking-manager',
  accepts: ['user'],
  credential,
  renderError,
  notFound,
  setup: readAnyBody,
  credentialHeaders: (token) => ({
    authorization: `Token ${Buffer.from(token).toString('base64')}`,
  }),
  routes: tmRoutes,
  docs: {
    title: 'HOT Tasking Manager dialect',
    description:
      "Tasking Manager's notifications API (`/api/v2/notifications/…`) served by Herald, in Tasking Manager's own shapes, statuses and error bodies. See docs/compat/tasking-manager.md.",
    tags: [
      { name: 'tasking-manager', description: "A user's messages, as Tasking Manager has them" },
    ],
    securitySchemes: {
      token: {
        type: 'apiKey',
        in: 'header',
        name: 'Authorization',
        description: '`Token <base64 of a Herald user token>`',
      },
    },
    security: [{ token: [] }],
  },
}
