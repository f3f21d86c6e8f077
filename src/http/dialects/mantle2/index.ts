import type { Surface } from '../../app.ts'
import { installErrorHandlers } from './errors.ts'
import { mantleRoutes } from './routes.ts'

/**
 * The Mantle2 (Earth App) dialect: a user's notification inbox at
 * `/v2/users/{id|@username|current}/notifications`, rendered as the real service renders it.
 */
export const mantle2: Surface = async (app, { core, auth }) => {
  installErrorHandlers(app)
  // Bodies stay raw text until the route has authenticated the caller and resolved the target:
  // the real service answers 401/403/404 before it ever complains about a body.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body))
  mantleRoutes(app, core, auth)
}
