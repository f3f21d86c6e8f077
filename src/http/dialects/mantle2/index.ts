import type { FastifyRequest } from 'fastify'
import type { Principal } from '../../../core/notification.ts'
import type { Surface, SurfaceDeps } from '../../surface.ts'
import { MESSAGES, mantleError, notFound, renderError } from './errors.ts'
import { credential, findUser, notificationId, selectorOf } from './map.ts'
import { mantleRoutes } from './routes.ts'

const CREATE = /\/notifications\/?$/

/**
 * Drupal's route patterns decide whether a route exists before anything else, authentication
 * included, so the segments are parsed here first (the routes parse them again, already known
 * good) and a bad one is the route miss.
 */
function checkRoute(req: FastifyRequest): void {
  const url = req.routeOptions.url ?? ''
  const { user, nid } = req.params as { user?: string; nid?: string }
  // The catch-all for segments past the router's parameter limit; creating for "current" is not a
  // route either.
  if (url.endsWith('/*') || (req.method === 'POST' && user === 'current' && CREATE.test(url))) {
    throw notFound()
  }
  if (user !== undefined) selectorOf(user)
  if (nid !== undefined) notificationId(nid)
}

/** `UsersHelper::findByRequest`: a disabled account is 403 on every route. */
async function admit(_req: FastifyRequest, p: Principal, { core }: SurfaceDeps) {
  if (p.userId === null) return
  const user = await findUser(core, p.tenantId, p.userId)
  if (user?.disabled) throw mantleError(403, MESSAGES.disabled)
}

/**
 * The Mantle2 (Earth App) dialect: a user's notification inbox at
 * `/v2/users/{id|@username|current}/notifications`, rendered as the real service renders it.
 */
export const mantle2: Surface = {
  name: 'mantle2',
  accepts: ['user'],
  credential,
  checkRoute,
  admit,
  renderError,
  notFound,
  setup(app) {
    // Bodies stay raw text until the route has resolved its target: the real service answers
    // 401/403/404 before it ever complains about a body.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body))
  },
  credentialHeaders: (token) => ({ authorization: `Bearer ${token}` }),
  routes: mantleRoutes,
  docs: {
    title: 'Mantle2 dialect',
    description:
      "Mantle2's (the Earth App's) notification inbox served by Herald, at `/v2/users/{id|@username|current}/notifications`, as the real service answers. Admins reach other users' inboxes while HERALD_ADMIN_REACH is on. See docs/compat/mantle2.md.",
    tags: [{ name: 'mantle2', description: "A user's notifications, as Mantle2 has them" }],
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A user token' } },
    security: [{ bearer: [] }],
  },
}
