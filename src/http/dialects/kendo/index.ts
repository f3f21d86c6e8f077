import type { Surface } from '../../surface.ts'
import { admit, credential } from './auth.ts'
import { installBodyParser } from './body.ts'
import { notFound, renderError } from './errors.ts'
import { kendoRoutes, ROUTE_METHODS } from './routes.ts'

/**
 * The Kendo dialect: Kendo's notification API (a Laravel app with Passport tokens) over core.
 * Mounted at /compat/kendo by default, so a client's `https://acme.kendo.dev` base URL becomes
 * `https://herald.example.org/compat/kendo`.
 */
export const kendo: Surface = {
  name: 'kendo',
  accepts: ['user'],
  credential,
  admit,
  renderError,
  notFound: notFound(ROUTE_METHODS),
  setup: installBodyParser,
  credentialHeaders: (token) => ({ authorization: `Bearer ${token}` }),
  routes: kendoRoutes,
}
