import type { FastifyInstance } from 'fastify'

/**
 * What an API answer may load and where it may be framed: nothing, nowhere. The docs page
 * replaces it with `DOCS_CSP` in its own scope.
 */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

/**
 * Swagger UI's page: its scripts, styles and the OpenAPI document come from this origin (it has
 * no inline script); it sets inline styles on its elements; nobody may frame it.
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

/** On every answer; a route that writes its own raw head (the stream) spreads them into it. */
export const ALWAYS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  // Browsers heed it only over HTTPS, which is how Herald is reached in production (behind TLS).
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
}

/**
 * The headers helmet would set, on every response, errors included (a small hook rather than a
 * dependency). An answer to an authenticated caller is private: no cache may keep it.
 */
export function securityHeaders(app: FastifyInstance) {
  app.addHook('onSend', async (req, reply, payload) => {
    for (const [name, value] of Object.entries(ALWAYS)) reply.header(name, value)
    if (!reply.hasHeader('content-security-policy'))
      reply.header('content-security-policy', API_CSP)
    if (req.principal && !reply.hasHeader('cache-control'))
      reply.header('cache-control', 'no-store')
    return payload
  })
}
