import helmet from '@fastify/helmet'
import Fastify, { type FastifyInstance } from 'fastify'

/**
 * Swagger UI's page: its scripts, styles and the OpenAPI documents come from this origin (it has
 * no inline script); it sets inline styles on its elements; nobody may frame it. Swagger UI sets
 * it in its own scope, over the API's policy.
 */
export const DOCS_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ')

/** Helmet, configured for an API whose answers a page on another origin reads (see below). */
const HELMET = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      'default-src': ["'none'"],
      'frame-ancestors': ["'none'"],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
    },
  },
  xFrameOptions: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  crossOriginResourcePolicy: { policy: 'cross-origin' },
  // Browsers heed it only over HTTPS, which is how Herald is reached in production (behind TLS).
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
} as const

/** What Fastify itself puts on an answer, as opposed to what helmet adds. */
const FASTIFY_OWN = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive'])

/**
 * The headers @fastify/helmet sets with this configuration, asked of it once, on a probe. The
 * plugin builds helmet's middleware anew for every request, which took about 40% of the
 * throughput of a trivial route in a measurement on a loaded 2-CPU machine (3,700 against 6,200
 * requests a second); with a fixed configuration the headers never change, so they are computed
 * at start.
 */
async function helmetHeaders(): Promise<Record<string, string>> {
  const probe = Fastify()
  await probe.register(helmet, HELMET)
  probe.get('/', async () => '')
  const res = await probe.inject({ url: '/' })
  await probe.close()
  return Object.fromEntries(
    Object.entries(res.headers)
      .filter(([name]) => !FASTIFY_OWN.has(name))
      .map(([name, value]) => [name, String(value)]),
  )
}

/**
 * Helmet's headers on every answer, errors and the stream (which copies the reply's headers into
 * the head it writes) included. An API answer may load nothing and be framed nowhere.
 * Cross-Origin-Resource-Policy is `cross-origin`: the inbox component reads the API from the
 * host application's origin, and no answer rides on ambient credentials (no cookies: every one
 * needs its bearer token), so there is nothing for the policy to protect. Register it before any
 * hook that may answer (CORS, the drain), so those answers carry them too.
 */
export async function securityHeaders(app: FastifyInstance) {
  const headers = await helmetHeaders()
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(headers)
    done()
  })
  // An answer to an authenticated caller is private: no cache may keep it. (A callback, not a
  // promise: it is on every request's path and waits for nothing.)
  app.addHook('onSend', (req, reply, payload, done) => {
    if (req.principal && !reply.hasHeader('cache-control'))
      reply.header('cache-control', 'no-store')
    done(null, payload)
  })
}
