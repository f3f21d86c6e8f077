import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { CorsOrigins } from '../config.ts'
import { HeraldError } from '../core/errors.ts'
import { type Mount, mountAt } from './mount.ts'
import type { Answer, Surface } from './surface.ts'

/** What a browser client sends besides a surface's credential headers. */
const REQUEST_HEADERS = ['Content-Type', 'Last-Event-ID', 'X-Request-Id', 'If-None-Match']
/** What a browser client may read besides the safelisted ones (Content-Type and co). */
const EXPOSED_HEADERS = ['Retry-After', 'ETag', 'X-Poll-Interval']
/** How long a browser may keep a preflight's answer, in seconds. */
const PREFLIGHT_MAX_AGE_S = 600

/** A Fastify route pattern (`/v1/me/notifications/:id`, `/v2/users/*`) as a whole-path matcher. */
const matcher = (url: string) =>
  new RegExp(
    `^${url
      .split(/(:[A-Za-z0-9_]+|\*)/)
      .map((part) =>
        part === '*'
          ? '.*'
          : part.startsWith(':')
            ? '[^/]+'
            : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('')}$`,
  )

/**
 * The surfaces' routes, and which a browser may call from another origin: those a user token
 * reaches. Producer routes take a server API key, which never belongs in a browser, so they are
 * never reachable cross-origin.
 */
export function crossOriginRoutes() {
  const exact = new Map<string, boolean>()
  const patterns: Array<{ method: string; match: RegExp; browser: boolean }> = []
  return {
    /** Records every route of a surface's scope: a browser's when a user token may call it. */
    watch(scope: FastifyInstance, surface: Surface) {
      scope.addHook('onRoute', (route) => {
        const browser = surface.accepts.includes('user') && route.config?.needs !== 'server'
        for (const method of [route.method].flat()) {
          exact.set(`${method} ${route.url}`, browser)
          patterns.push({ method, match: matcher(route.url), browser })
        }
      })
    },
    /** Whether the request was routed to a surface's route. */
    routed: (req: FastifyRequest): boolean => exact.has(`${req.method} ${req.routeOptions.url}`),
    /** Whether the route a request was routed to is a browser's. */
    browser: (req: FastifyRequest): boolean =>
      exact.get(`${req.method} ${req.routeOptions.url}`) === true,
    /** The routes a path names, by the methods a browser may and may not call there. */
    at(path: string) {
      const found = patterns.filter((p) => p.match.test(path))
      const methods = (browser: boolean) => [
        ...new Set(found.filter((p) => p.browser === browser).map((p) => p.method)),
      ]
      return { browser: methods(true), other: methods(false) }
    },
  }
}
export type CrossOriginRoutes = ReturnType<typeof crossOriginRoutes>

const pathOf = (url: string) => url.split('?')[0] ?? ''

/**
 * CORS, decided per request: a user route answers a browser on an allowed origin (the preflight
 * with 204, every answer, errors included, with Access-Control-Allow-Origin); anything else gets
 * no CORS header but `Vary: Origin`, since the answer depends on the origin. A preflight is
 * answered before any surface's authentication step runs (browsers send no credential with it)
 * and is never rate-limited. An OPTIONS that is not answered as a preflight gets the surface's
 * own answer: 403 for a preflight to a producer route or from an origin not allowed, and
 * otherwise what any unknown method gets there.
 *
 * The protocol is this hook's own rather than @fastify/cors's: with options decided per request,
 * that plugin awaited a promise and normalised a fresh options object on every request, a
 * browser's or not (about 6% of a 304 poll's CPU); here a request without an Origin header,
 * every server-to-server call, costs one header. The headers are those the plugin sent
 * (test/native/cors pins them).
 */
export async function registerCors(
  app: FastifyInstance,
  { origins, routes, mounts }: { origins: CorsOrigins; routes: CrossOriginRoutes; mounts: Mount[] },
) {
  const allowed = (origin: string | undefined): origin is string =>
    origin !== undefined && (origins === '*' || origins === 'reflect' || origins.includes(origin))
  const isPreflight = (req: FastifyRequest) =>
    req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined
  const exposed = EXPOSED_HEADERS.join(', ')
  const maxAge = String(PREFLIGHT_MAX_AGE_S)
  /** What a browser may send to a surface: its credential headers and the common ones. */
  const allowedHeaders = (surface: Surface | undefined) => {
    const credentials = Object.keys(surface?.credentialHeaders('token', 'tenant') ?? {}).map((h) =>
      h.replace(/(^|-)[a-z]/g, (c) => c.toUpperCase()),
    )
    return [
      ...new Set([...credentials, ...REQUEST_HEADERS, ...(surface?.requestHeaders ?? [])]),
    ].join(', ')
  }

  app.addHook('onRequest', (req, reply, done) => {
    reply.header('vary', 'Origin')
    const { origin } = req.headers
    if (!allowed(origin)) return done()
    const preflight = isPreflight(req)
    const methods = preflight ? routes.at(pathOf(req.url)).browser : null
    if (methods ? methods.length === 0 : !routes.browser(req)) return done()
    reply
      .header('access-control-allow-origin', origins === '*' ? '*' : origin)
      .header('access-control-expose-headers', exposed)
    if (!methods) return done()
    reply
      .header('access-control-allow-methods', methods.join(', '))
      .header('access-control-allow-headers', allowedHeaders(mountAt(mounts, req.url)?.surface))
      .header('access-control-max-age', maxAge)
      .code(204)
      .header('content-length', '0')
      .send()
  })
  // Every OPTIONS is routed (a preflight is answered above, before routing ends): the hook below
  // answers those under a surface's prefix, and the root's not-found handler the rest.
  app.options('*', { schema: { hide: true } }, (_req, reply) => {
    reply.callNotFound()
  })

  // Reached by an OPTIONS the hook above did not answer (an answered preflight goes no further),
  // on the catch-all route, which would send the root's not-found answer: answer it in the shape
  // of the surface the path is under instead.
  const answerOptions = (req: FastifyRequest): Answer | undefined => {
    if (routes.routed(req)) return undefined
    const mount = mountAt(mounts, req.url)
    if (!mount) return undefined
    const { browser, other } = routes.at(pathOf(req.url))
    if (isPreflight(req) && (browser.length > 0 || other.length > 0)) {
      const why =
        browser.length === 0
          ? 'this route is not reachable from a browser on another origin: it takes a server API key, which never belongs in a browser'
          : `the origin ${JSON.stringify(req.headers.origin ?? null)} is not allowed (HERALD_CORS_ORIGINS)`
      return mount.surface.renderError(new HeraldError('FORBIDDEN', why), req)
    }
    return mount.surface.notFound(req, mount.prefix)
  }
  // A callback, not a promise: every request passes it, and only an OPTIONS stops.
  app.addHook('onRequest', (req, _reply, done) => {
    done(req.method === 'OPTIONS' ? answerOptions(req) : undefined)
  })
}
