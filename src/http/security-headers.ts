import helmet from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'

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

/**
 * Helmet's headers on every answer, errors and the stream included (helmet sets them on the raw
 * response before routing, so a route that writes its own head keeps them). An API answer may
 * load nothing and be framed nowhere. Cross-Origin-Resource-Policy is `cross-origin`: the inbox
 * component reads the API from the host application's origin, and no answer rides on ambient
 * credentials (no cookies: every one needs its bearer token), so there is nothing for the policy
 * to protect. Register it before any hook that may answer, so those answers carry them too.
 */
export async function securityHeaders(app: FastifyInstance) {
  await app.register(helmet, {
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
  })
  // An answer to an authenticated caller is private: no cache may keep it.
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.principal && !reply.hasHeader('cache-control'))
      reply.header('cache-control', 'no-store')
    return payload
  })
}
