import type { FastifyInstance } from 'fastify'
import type { Surface } from '../../surface.ts'
import { invalidScope, notFound, renderError } from './errors.ts'
import { credential, parseLaravelInput, scopeAllows } from './map.ts'
import { kendoRoutes } from './routes.ts'

/** Replaces Fastify's parsers in this scope so no content type is refused and no JSON fails. */
function installBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    done(null, parseLaravelInput(req.headers['content-type'], String(body)))
  })
}

/**
 * The Kendo dialect: Kendo's notification API (a Laravel app with Passport tokens) over core.
 * Mounted at /compat/kendo by default, so a client's `https://acme.kendo.dev` base URL becomes
 * `https://herald.example.org/compat/kendo`.
 */
export const kendo: Surface = {
  name: 'kendo',
  accepts: ['user'],
  credential,
  admit(req, principal) {
    if (!scopeAllows(req.method, principal.scopes)) throw invalidScope()
  },
  renderError,
  notFound,
  setup: installBodyParser,
  credentialHeaders: (token) => ({ authorization: `Bearer ${token}` }),
  routes: kendoRoutes,
  docs: {
    title: 'Kendo dialect',
    description:
      "Kendo's notification API (a Laravel application) served by Herald: the list and the bulk read, unread and delete, with Laravel's validation answers. See docs/compat/kendo.md.",
    tags: [{ name: 'kendo', description: "The caller's notifications, as Kendo has them" }],
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'A user token; its scopes decide what it may do (see docs/compat/kendo.md)',
      },
    },
    security: [{ bearer: [] }],
  },
}
