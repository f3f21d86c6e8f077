import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import type { Authenticator } from '../auth/principal.ts'
import { ConfigError } from '../config.ts'
import { HeraldError, isHeraldError } from '../core/errors.ts'
import type { Principal } from '../core/notification.ts'
import { asRequester } from '../core/requester.ts'
import { sendAnswer, sendError } from './errors.ts'
import type { Limiter } from './rate-limit.ts'
import { Answer, type Surface, type SurfaceDeps } from './surface.ts'

export interface Mount {
  surface: Surface
  prefix: string
}

const KIND = { user: 'a user token', server: 'a server API key' } as const

/** The principal acting in the tenant the request chose among its token's (see chooseTenant). */
function actingIn(surface: Surface, req: FastifyRequest, p: Principal): Principal {
  if (!p.tenants || !surface.chooseTenant) return p
  const chosen = surface.chooseTenant(req, p.tenants)
  return chosen === undefined || chosen === p.tenantId ? p : { ...p, tenantId: chosen }
}

/**
 * Who is calling, in one step for every surface: the surface reads the raw credential, the
 * authenticator verifies it, and both limits apply. A credential verified recently costs no
 * lookup; any other first passes the address's failed-authentication limit, and a failure counts.
 */
async function identify(
  surface: Surface,
  auth: Authenticator,
  limiter: Limiter,
  req: FastifyRequest,
): Promise<Principal> {
  // Only a refused credential counts against the address: a store outage while verifying an
  // API key is nobody's failed login.
  const failed = async (err: unknown) => {
    const refused = err instanceof Answer || (isHeraldError(err) && err.code === 'UNAUTHENTICATED')
    if (refused) await limiter.failed(req.ip)
    return err
  }
  let raw: string | null
  try {
    raw = surface.credential(req)
  } catch (err) {
    throw await failed(err)
  }
  const known = raw === null ? null : auth.known(raw)
  if (!known) await limiter.checkAddress(req.ip)
  let principal: Principal
  try {
    if (raw === null) {
      throw new HeraldError('UNAUTHENTICATED', 'this request carries no credential', {
        credential: 'missing',
      })
    }
    principal = known ?? (await auth.verify(raw))
    if (!surface.accepts.includes(principal.kind)) {
      throw new HeraldError('UNAUTHENTICATED', `this API does not take ${KIND[principal.kind]}`, {
        credential: 'kind',
      })
    }
  } catch (err) {
    throw await failed(err)
  }
  principal = actingIn(surface, req, principal)
  await limiter.admit(principal)
  return principal
}

/**
 * Runs each route's handler as its principal's work, so the embedded store queues its statements
 * by tenant and user (storage/fair-lock.ts). Hooks before the handler read the store only to
 * verify a credential, as nobody's yet.
 */
function asPrincipal(route: RouteOptions): void {
  const handler = route.handler
  route.handler = function (this: FastifyInstance, req, reply) {
    const p = req.principal
    if (!p) return handler.call(this, req, reply)
    const user = p.userId ?? `key:${p.keyId ?? ''}`
    return asRequester({ tenant: p.tenantId, user }, () => handler.call(this, req, reply))
  }
}

/** Two surfaces may share a prefix, but never a route: refuse to start, naming both. */
function refuseCollisions(owners: Map<string, string>, name: string) {
  return (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const m of methods) {
      const key = `${m} ${route.url.replace(/\/+$/, '') || '/'}`
      const owner = owners.get(key)
      if (owner && owner !== name) {
        throw new ConfigError(
          `dialects "${owner}" and "${name}" both serve ${key}: mount them at different prefixes`,
        )
      }
      owners.set(key, name)
    }
  }
}

/**
 * Mounts every surface at its prefix the same way: its set-up, its error handler, the one
 * authentication step (before the body is read, so a caller without a valid credential costs no
 * parsing and learns nothing), then its routes. Where surfaces share a prefix, the first one
 * mounted answers the paths none of them has.
 */
export async function mountSurfaces(
  app: FastifyInstance,
  mounts: Mount[],
  deps: SurfaceDeps,
  limiter: Limiter,
  /** Called in each surface's scope before its routes are declared (their documentation, CORS). */
  beforeRoutes?: (scope: FastifyInstance, mount: Mount) => Promise<void> | void,
): Promise<void> {
  const owners = new Map<string, string>()
  const prefixes = new Set<string>()
  app.decorateRequest('principal', null)
  for (const mount of mounts) {
    const { surface, prefix } = mount
    const first = !prefixes.has(prefix)
    prefixes.add(prefix)
    const plugin = async (scope: FastifyInstance) => {
      surface.setup?.(scope)
      scope.setErrorHandler((err, req, reply) => sendError(surface, err, req, reply))
      if (first) {
        scope.setNotFoundHandler((req, reply) => sendAnswer(reply, surface.notFound(req, prefix)))
      }
      scope.addHook('onRoute', refuseCollisions(owners, surface.name))
      scope.addHook('onRoute', asPrincipal)
      scope.addHook('onRequest', async (req) => {
        // Fastify builds a new object on every read of routeOptions: read it once.
        const route = req.routeOptions
        if (route.url === undefined) return
        surface.checkRoute?.(req)
        const principal = await identify(surface, deps.auth, limiter, req)
        const needs = route.config.needs
        if (needs && principal.kind !== needs) {
          throw new HeraldError('FORBIDDEN', `this route needs ${KIND[needs]}`)
        }
        await surface.admit?.(req, principal, deps)
        req.principal = principal
      })
      await beforeRoutes?.(scope, mount)
      await scope.register(surface.routes, deps)
    }
    await app.register(plugin, { prefix })
  }
}

/** The mount whose prefix is the longest one the URL is under (the first mounted on a tie). */
export function mountAt(mounts: Mount[], url: string): Mount | null {
  const path = url.split('?')[0] ?? ''
  const under = (prefix: string) =>
    prefix === '' || path === prefix || path.startsWith(`${prefix}/`)
  const match = mounts
    .filter((m) => under(m.prefix))
    .sort((a, b) => b.prefix.length - a.prefix.length)[0]
  return match ?? null
}

/** The surface whose prefix is the longest one the URL is under; `fallback` when none is. */
export const surfaceAt = (mounts: Mount[], url: string, fallback: Surface): Surface =>
  mountAt(mounts, url)?.surface ?? fallback
