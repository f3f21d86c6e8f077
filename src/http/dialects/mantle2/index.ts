import type { Surface } from '../../surface.ts'
import { admit, checkRoute, credential } from './auth.ts'
import { notFound, renderError } from './errors.ts'
import { mantleRoutes } from './routes.ts'

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
}
