import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, {
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify'
import type { Authenticator } from '../auth/principal.ts'
import type { Config, DialectName } from '../config.ts'
import { ConfigError } from '../config.ts'
import type { Core } from '../core/herald.ts'
import { DIALECTS } from './dialects/index.ts'
import { NATIVE_STATUS, toHeraldError } from './errors.ts'
import { registerMetrics } from './metrics.ts'
import { nativeApi } from './native/index.ts'

export interface AppDeps {
  core: Core
  auth: Authenticator
  config: Pick<Config, 'bodyLimit' | 'rateLimit' | 'dialects' | 'logLevel'>
  logger?: boolean
  /** Extra routes registered at the root before the app is sealed (benchmarks, embedding). */
  extend?: (app: FastifyInstance) => Promise<void> | void
}

/** Options every API surface plugin receives. */
export interface SurfaceOptions {
  core: Core
  auth: Authenticator
}

export type Surface = FastifyPluginAsync<SurfaceOptions>

export type SurfaceErrorHandler = (
  err: unknown,
  req: FastifyRequest,
  reply: FastifyReply,
) => unknown

/**
 * Builds the HTTP application: the native API at /v1, each enabled dialect at its prefix, the
 * OpenAPI document, docs, health and metrics.
 *
 * @example
 * const app = await createApp({ core, auth, config })
 * await app.listen({ port: 8787 })
 */
export async function createApp({ core, auth, config, logger = false, extend }: AppDeps) {
  const app = Fastify({
    logger: logger ? { level: config.logLevel } : false,
    bodyLimit: config.bodyLimit,
    requestIdHeader: 'x-request-id',
    // Live streams never finish on their own; closing the app must not wait for them.
    forceCloseConnections: true,
    // Errors raised before routing (a bad percent-escape in the path) answer in the shape of
    // the surface whose prefix the URL is under.
    frameworkErrors: (err, req, reply) => surfaceFor(config.dialects, req.url)(err, req, reply),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Herald', version: '0.1.0', description: 'Notification inbox service' },
      components: {
        securitySchemes: {
          userToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          apiKey: { type: 'http', scheme: 'bearer', description: 'Server API key (hk_…)' },
        },
      },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  await app.register(rateLimit, {
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.windowMs,
    // Per credential (so per principal), falling back to the client address.
    keyGenerator: rateKey,
  })
  registerMetrics(app)

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }))
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await core.store.ping()
      return { status: 'ready' }
    } catch {
      return reply.code(503).send({ status: 'unavailable' })
    }
  })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  await app.register(nativeSurface(core, auth), { prefix: '/v1' })
  await mountDialects(app, config.dialects, { core, auth })
  if (!config.dialects.some((d) => d.prefix === '')) {
    app.setNotFoundHandler((req, reply) =>
      reply.code(404).send({
        error: {
          code: 'NOT_FOUND',
          message: `no route ${req.method} ${req.url}`,
          requestId: req.id,
        },
      }),
    )
  }
  await extend?.(app)
  await app.ready()
  return app
}

/**
 * Rate limits count per credential, so per principal: the token itself, whatever scheme, case or
 * spacing the surface's header form wraps it in; requests without one count per client address.
 */
export function rateKey(req: FastifyRequest): string {
  const header = req.headers.authorization ?? req.headers['x-auth-token']
  const credential = typeof header === 'string' ? header.trim().split(/\s+/).pop() : undefined
  return credential ? `credential:${credential}` : `address:${req.ip}`
}

const nativeErrorHandler: SurfaceErrorHandler = (err, req, reply) => {
  const e = toHeraldError(err)
  const status = NATIVE_STATUS[e.code]
  if (status >= 500) req.log.error({ err }, 'request failed')
  const body: Record<string, unknown> = { code: e.code, message: e.message, requestId: req.id }
  if (e.details) body.details = e.details
  return reply.code(status).send({ error: body })
}

const nativeSurface = (core: Core, auth: Authenticator) => async (app: FastifyInstance) => {
  app.setErrorHandler(nativeErrorHandler)
  await app.register(nativeApi, { core, auth })
}

/** The error handler of the dialect with the longest prefix that the URL is under, or native. */
function surfaceFor(dialects: AppDeps['config']['dialects'], url: string): SurfaceErrorHandler {
  const under = (prefix: string) => url === prefix || url.startsWith(`${prefix}/`)
  const match = dialects
    .filter((d) => under(d.prefix) || d.prefix === '')
    .sort((a, b) => b.prefix.length - a.prefix.length)[0]
  return match && !under('/v1') ? DIALECTS[match.name].onError : nativeErrorHandler
}

/** Mounts each dialect at its prefix; two whose routes would collide refuse to start. */
async function mountDialects(
  app: FastifyInstance,
  dialects: Array<{ name: DialectName; prefix: string }>,
  opts: SurfaceOptions,
) {
  const owners = new Map<string, DialectName>()
  const prefixes = new Set<string>()
  for (const { name, prefix } of dialects) {
    const sharing = prefixes.has(prefix)
    prefixes.add(prefix)
    await app.register(
      async (scope) => {
        // Fastify keeps one not-found handler per prefix: where dialects share a prefix (and
        // none of their routes collide), the first one mounted answers unknown paths.
        if (sharing) scope.setNotFoundHandler = () => scope
        scope.addHook('onRoute', (route) => {
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
        })
        await scope.register(DIALECTS[name].plugin, opts)
      },
      { prefix },
    )
  }
}
