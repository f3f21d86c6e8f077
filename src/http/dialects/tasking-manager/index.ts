import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Viewer } from '../../../core/inbox.ts'
import type { Surface, SurfaceOptions } from '../../app.ts'
import { isMalformed, viewerFrom } from './auth.ts'
import { malformedAuth, methodNotAllowed, routeNotFound, sendTmError } from './errors.ts'
import { BadJson } from './params.ts'
import { ROUTES, type TmRoute } from './routes.ts'

const patterns = ROUTES.map((r) => ({
  route: r,
  re: new RegExp(`^${r.path.replace(/:[a-z_]+/g, '[^/]+')}$`),
}))

/** Starlette's routing for what Fastify did not match: 405 with Allow, 307 to the slash form. */
function unrouted(prefix: string) {
  return (req: FastifyRequest, reply: FastifyReply) => {
    if (isMalformed(req.headers.authorization)) return sendTmError(malformedAuth(), req, reply)
    const [rawPath = '', query] = req.url.split(/\?(.*)/s, 2)
    const path = rawPath.slice(prefix.length)
    // Starlette answers with the methods of the first route whose path matched.
    const first = patterns.find((p) => p.re.test(path))?.route.method
    if (first) {
      return sendTmError(methodNotAllowed(first === 'GET' ? ['GET', 'HEAD'] : [first]), req, reply)
    }
    if (!path.endsWith('/') && patterns.some((p) => p.re.test(`${path}/`))) {
      const location = `${req.protocol}://${req.host}${rawPath}/${query ? `?${query}` : ''}`
      return reply.code(307).header('location', location).send()
    }
    return sendTmError(routeNotFound(), req, reply)
  }
}

function register(app: FastifyInstance, { core, auth }: SurfaceOptions, route: TmRoute) {
  const viewers = new WeakMap<FastifyRequest, Viewer>()
  app.route({
    method: route.method,
    url: route.path,
    schema: { hide: true, ...(route.response ? { response: { 200: route.response } } : {}) },
    // Before the body is read, as TM's dependency runs before the handler reads it.
    onRequest: async (req) => {
      viewers.set(req, await viewerFrom(auth, req.headers.authorization))
    },
    handler: async (req, reply) => {
      const viewer = viewers.get(req)
      if (!viewer) throw new Error('tasking-manager: request was not authenticated')
      return route.handler({ core, viewer, req, reply })
    },
  })
}

/**
 * HOT Tasking Manager's notifications API (`/api/v2/notifications/…`), quirks included, over the
 * same core as the native API. See docs/compat/tasking-manager.md.
 */
export const taskingManager: Surface = async (app, opts) => {
  app.setErrorHandler((err, req, reply) => sendTmError(err, req, reply))
  app.setNotFoundHandler(unrouted(app.prefix))
  // TM reads bodies with `request.json()` whatever the content type; bad JSON matters only to
  // the routes that read a body, so it is kept as a marker rather than failing every route.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body)
    if (text.trim() === '') return done(null, undefined)
    try {
      done(null, JSON.parse(text))
    } catch (err) {
      done(null, new BadJson((err as Error).message))
    }
  })
  for (const route of ROUTES) register(app, opts, route)
}
