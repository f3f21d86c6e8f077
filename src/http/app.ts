import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Authenticator } from '../auth/principal.ts'
import type { Config } from '../config.ts'
import { withDeadline } from '../core/deadline.ts'
import type { Core } from '../core/herald.ts'
import { crossOriginRoutes, registerCors } from './cors.ts'
import { registerDemo } from './demo.ts'
import { DIALECTS } from './dialects/index.ts'
import { drainOnClose } from './drain.ts'
import { sendAnswer, sendError } from './errors.ts'
import { lazySchemas } from './lazy-schemas.ts'
import { type LogDestination, loggerOptions } from './log.ts'
import { registerMetrics } from './metrics.ts'
import { type Mount, mountSurfaces, surfaceAt } from './mount.ts'
import { native } from './native/index.ts'
import { surfaceDocuments } from './openapi.ts'
import { createLimiter, memoryCounter } from './rate-limit.ts'
import { securityHeaders } from './security-headers.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Route schemas compile at first use, or in the background once the server listens. */
    routeSchemas: {
      /** How many are not compiled yet. */
      pending(): number
      /** Compiles those at once; how many they were. */
      compileAll(): number
      /**
       * Starts compiling them in the background now rather than when the server listens (once;
       * a later call, or the listen, does nothing more). Until the app closes.
       */
      warmUp(): void
    }
  }
}

export interface AppDeps {
  core: Core
  auth: Authenticator
  config: Pick<
    Config,
    | 'bodyLimit'
    | 'rateLimit'
    | 'dialects'
    | 'logLevel'
    | 'trustProxy'
    | 'redisUrl'
    | 'redisPrefix'
    | 'shutdownTimeoutMs'
    | 'stream'
    | 'metricsToken'
    | 'limits'
    | 'demo'
    | 'tokens'
    | 'corsOrigins'
    | 'cleanup'
    | 'polling'
  >
  /** Log through Fastify's logger: to standard output (`true`) or to this stream. */
  logger?: boolean | LogDestination
  /** Extra routes registered at the root before the app is sealed (benchmarks, embedding). */
  extend?: (app: FastifyInstance) => Promise<void> | void
}

/** A probe answers quickly even when the database does not answer at all. */
const READY_DEADLINE_MS = 2_000

/** Counters shared through Redis when the deployment has one, in process otherwise. */
async function limiterFor(config: AppDeps['config'], warn: (msg: string, err: unknown) => void) {
  const { windowMs } = config.rateLimit
  const { redisUrl } = config
  const shared = redisUrl ? (await import('./redis-counter.ts')).redisCounter : null
  const counter = (name: string) =>
    shared && redisUrl
      ? shared(redisUrl, `${config.redisPrefix}rate:${name}:`, windowMs, warn)
      : memoryCounter(windowMs)
  return createLimiter({
    principals: counter('principal'),
    addresses: counter('address'),
    perPrincipal: config.rateLimit.max,
    perProducer: config.rateLimit.producerMax,
    perAddress: config.rateLimit.addressMax,
  })
}

/**
 * Builds the HTTP application: the native API at /v1, each enabled dialect at its prefix, the
 * OpenAPI document, docs, health and metrics.
 *
 * @example
 * const app = await createApp({ core, auth, config })
 * await app.listen({ port: 8787 })
 */
export async function createApp({ core, auth, config, logger = false, extend }: AppDeps) {
  const mounts: Mount[] = [
    { surface: native, prefix: '/v1' },
    ...config.dialects.map((d) => ({ surface: DIALECTS[d.name], prefix: d.prefix })),
  ]
  // Errors outside a surface's scope (before routing, or on root routes) answer in the shape of
  // the surface whose prefix the URL is under; native for the rest.
  const onError = (err: unknown, req: FastifyRequest, reply: FastifyReply) =>
    sendError(surfaceAt(mounts, req.url, native), err, req, reply)
  const schemas = lazySchemas()
  const app = Fastify({
    schemaController: schemas.controller,
    logger: logger ? loggerOptions(config.logLevel, logger === true ? undefined : logger) : false,
    bodyLimit: config.bodyLimit,
    requestIdHeader: 'x-request-id',
    trustProxy: config.trustProxy,
    // Closing drains instead (see drain.ts): Fastify's own 503 would answer in none of our shapes.
    return503OnClosing: false,
    // A bad percent-escape in the path is raised before routing.
    frameworkErrors: onError,
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: 'array',
        allErrors: true,
        // Type lists (see BulkId) are how a schema keeps ajv from coercing inside a union.
        allowUnionTypes: true,
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>()

  // First, so that every route (the CORS plugin's too) answers errors in our shapes.
  app.setErrorHandler(onError)
  // In this order, so that every answer, a draining server's 503 included, carries the
  // security headers, and a browser can read the ones its origin may.
  await securityHeaders(app)
  const crossOrigin = crossOriginRoutes()
  await registerCors(app, { origins: config.corsOrigins, routes: crossOrigin, mounts })
  drainOnClose(app, config.shutdownTimeoutMs)
  registerMetrics(app, config.metricsToken)

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }))
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await withDeadline(core.ready(), READY_DEADLINE_MS, 'the readiness check')
      return { status: 'ready' }
    } catch {
      return reply.code(503).send({ status: 'unavailable' })
    }
  })
  if (config.demo) registerDemo(app, config.tokens.secret)

  const limiter = await limiterFor(config, (msg, err) => app.log.warn({ err }, msg))
  app.addHook('onClose', () => limiter.close())
  const documents = surfaceDocuments()
  await mountSurfaces(
    app,
    mounts,
    {
      core,
      auth,
      stream: config.stream,
      limits: config.limits,
      cleanup: config.cleanup,
      polling: config.polling,
    },
    limiter,
    async (scope, mount) => {
      crossOrigin.watch(scope, mount.surface)
      await documents.describe(scope, mount)
    },
  )
  await documents.serve(app)
  if (!mounts.some((m) => m.prefix === '')) {
    app.setNotFoundHandler((req, reply) => sendAnswer(reply, native.notFound(req, '')))
  }
  // Listening comes first (a start is done when /healthz answers); the schemas compile after,
  // or while the store is still starting when the server asks for it (see server.ts).
  let closed = false
  app.addHook('onClose', async () => {
    closed = true
  })
  const warmUp = () => schemas.warmUp(() => closed)
  app.decorate('routeSchemas', { pending: schemas.pending, compileAll: schemas.compileAll, warmUp })
  app.addHook('onListen', async () => warmUp())
  await extend?.(app)
  await app.ready()
  return app
}
