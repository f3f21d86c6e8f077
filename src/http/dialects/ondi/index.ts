import type { FastifyInstance } from 'fastify'
import type { Surface } from '../../surface.ts'
import { notFound, renderError } from './errors.ts'
import { chooseTenant, credential } from './map.ts'
import { ondiRoutes } from './routes.ts'

/**
 * Ondi's clients send `Content-Type: application/json` with no body on mark-read ("mark all"):
 * an empty JSON body is "no body", not a parse error. Only JSON is read: a text body is 415
 * rather than a string nobody meant as "mark all".
 */
function parseJsonOnly(app: FastifyInstance) {
  const parseJson = app.getDefaultJsonParser('error', 'ignore')
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = String(body)
    if (text.trim() === '') return done(null, undefined)
    return parseJson(req, text, done)
  })
}

/**
 * Ondi's messaging notifications API (list, mark-read, stats) over Herald's core, with Ondi's
 * `{success, message, …}` envelope on every answer, errors included.
 */
export const ondi: Surface = {
  name: 'ondi',
  accepts: ['user'],
  credential,
  chooseTenant,
  renderError,
  notFound,
  setup: parseJsonOnly,
  credentialHeaders: (token) => ({ authorization: `Bearer ${token}` }),
  routes: ondiRoutes,
  docs: {
    title: 'Ondi dialect',
    description:
      "Ondi's messaging notifications API served by Herald, with Ondi's `{success, message, …}` envelope on every answer. `tenant_id` in the query names the tenant: the token's own, or one of the tenants its `tenants` claim lists. See docs/compat/ondi.md.",
    tags: [{ name: 'ondi', description: "The caller's notifications, as Ondi has them" }],
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A user token' } },
    security: [{ bearer: [] }],
  },
}
