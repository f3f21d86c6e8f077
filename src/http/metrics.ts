import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client'
import { HeraldError } from '../core/errors.ts'

const digest = (s: string) => createHash('sha256').update(s).digest()

/** Whether the request carries `Authorization: Bearer <token>`, compared in constant time. */
function bears(req: FastifyRequest, token: string): boolean {
  const header = req.headers.authorization ?? ''
  const given = header.startsWith('Bearer ') ? header.slice(7) : ''
  return timingSafeEqual(digest(given), digest(token))
}

/**
 * Prometheus metrics at /metrics: process defaults and a request-duration histogram per route.
 * With a token, only a scraper that presents it as a bearer token reads them.
 */
export function registerMetrics(app: FastifyInstance, token: string | null = null) {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const duration = new Histogram({
    name: 'herald_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  })
  // A callback, not a promise: it is on every request's path and waits for nothing.
  app.addHook('onResponse', (req, reply, done) => {
    duration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: reply.statusCode },
      reply.elapsedTime / 1000,
    )
    done()
  })
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (token !== null && !bears(req, token)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"')
      throw new HeraldError('UNAUTHENTICATED', 'the metrics need the metrics bearer token')
    }
    return reply.type(registry.contentType).send(await registry.metrics())
  })
}
