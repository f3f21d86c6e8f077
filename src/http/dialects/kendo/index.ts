import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Surface } from '../../app.ts'
import { installBodyParser } from './body.ts'
import { kendoErrorHandler } from './errors.ts'
import { kendoRoutes, ROUTE_METHODS } from './routes.ts'

/** Laravel's answers for an unknown path (404) and a known path with another method (405). */
const notFound = (prefix: string) => (req: FastifyRequest, reply: FastifyReply) => {
  const raw = req.url.split('?')[0] ?? ''
  const path = raw.slice(prefix.length).replace(/^\/+|\/+$/g, '') || '/'
  const methods = ROUTE_METHODS.get(path)
  if (methods && !methods.includes(req.method)) {
    const allowed = methods.join(', ')
    return reply
      .code(405)
      .header('allow', allowed)
      .send({
        message: `The ${req.method} method is not supported for route ${path}. Supported methods: ${allowed}.`,
      })
  }
  return reply.code(404).send({ message: `The route ${path} could not be found.` })
}

/**
 * The Kendo dialect: Kendo's notification API (a Laravel app with Passport tokens) over core.
 * Mounted at /compat/kendo by default, so a client's `https://acme.kendo.dev` base URL becomes
 * `https://herald.example.org/compat/kendo`.
 */
export const kendo: Surface = async (app, opts) => {
  app.setErrorHandler(kendoErrorHandler)
  app.setNotFoundHandler(notFound(app.prefix))
  installBodyParser(app)
  kendoRoutes(app, opts)
}
