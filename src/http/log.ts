import type { FastifyRequest } from 'fastify'

/** Query parameters that carry a credential (the stream's EventSource token, and its kin). */
const SECRET_PARAMS = /([?&](?:access_token|token|api_key|apikey)=)[^&#]*/gi

/** A URL with every credential in its query replaced, for logs and error bodies. */
export const redactUrl = (url: string): string => url.replace(SECRET_PARAMS, '$1[REDACTED]')

/**
 * Headers that carry a credential, under every surface's form (the native bearer, Tasking
 * Manager's `Token`, Productive's `X-Auth-Token`), wherever a log line could hold them.
 */
const SECRET_HEADERS = ['authorization', 'x-auth-token', 'cookie', 'set-cookie']
const REDACT = ['headers', 'req.headers', 'res.headers'].flatMap((at) =>
  SECRET_HEADERS.map((h) => `${at}["${h}"]`),
)

/** Where log lines go: a stream in tests, standard output otherwise. */
export interface LogDestination {
  write(line: string): unknown
}

/**
 * Fastify's logger options: a request is logged by its method, its URL without credentials and
 * its peer (never its headers), and any header that slips into a line some other way is redacted.
 */
export function loggerOptions(level: string, stream?: LogDestination) {
  return {
    level,
    ...(stream ? { stream } : {}),
    redact: { paths: REDACT, censor: '[REDACTED]' },
    serializers: {
      req: (req: FastifyRequest) => ({
        method: req.method,
        url: redactUrl(req.url),
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
    },
  }
}
