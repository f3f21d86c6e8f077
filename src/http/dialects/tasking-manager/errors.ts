import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { type ErrorCode, HeraldError, isHeraldError } from '../../../core/errors.ts'

/** An answer with Tasking Manager's exact status, body and headers. */
export class TmError extends Error {
  readonly status: number
  readonly body: unknown
  readonly headers: Record<string, string>

  constructor(status: number, body: unknown, headers: Record<string, string> = {}) {
    super(`tasking-manager ${status}`)
    this.name = 'TmError'
    this.status = status
    this.body = body
    this.headers = headers
  }
}

/** One entry of a FastAPI (pydantic v2) validation error list. */
export interface DetailItem {
  type: string
  loc: Array<string | number>
  msg: string
  input: unknown
  ctx?: Record<string, unknown>
}

export const unprocessable = (...items: DetailItem[]) => new TmError(422, { detail: items })

export const intParsing = (loc: Array<string | number>, input: unknown): DetailItem => ({
  type: typeof input === 'string' ? 'int_parsing' : 'int_type',
  loc,
  msg:
    typeof input === 'string'
      ? 'Input should be a valid integer, unable to parse string as an integer'
      : 'Input should be a valid integer',
  input,
})

export const outOfRange = (
  loc: Array<string | number>,
  input: unknown,
  bound: { ge: number } | { le: number },
): DetailItem =>
  'ge' in bound
    ? {
        type: 'greater_than_equal',
        loc,
        msg: `Input should be greater than or equal to ${bound.ge}`,
        input,
        ctx: bound,
      }
    : {
        type: 'less_than_equal',
        loc,
        msg: `Input should be less than or equal to ${bound.le}`,
        input,
        ctx: bound,
      }

/** TM's newer error envelope: `{"error":{"code","sub_code","message","details"}}`. */
export const envelope = (
  status: number,
  subCode: string,
  message: string,
  details: Record<string, unknown> = {},
) => new TmError(status, { error: { code: status, sub_code: subCode, message, details } })

export const notAuthenticated = () => new TmError(403, { detail: 'Not authenticated' })
export const invalidToken = () =>
  new TmError(
    401,
    { Error: 'Token is expired or invalid', SubCode: 'InvalidToken' },
    { 'www-authenticate': 'Bearer' },
  )
export const invalidScheme = () => envelope(401, 'UNKNOWN_ERROR', 'Invalid authentication scheme')
/** Starlette's AuthenticationMiddleware answer to a header it cannot split or decode. */
export const malformedAuth = () =>
  new TmError(400, 'Invalid auth credentials', { 'content-type': 'text/plain; charset=utf-8' })

/** Starlette's plain `{"detail": phrase}` for statuses TM has no body of its own for. */
const plain = (status: number, detail: string) => new TmError(status, { detail })

export const routeNotFound = () => plain(404, 'Not Found')
export const methodNotAllowed = (allow: string[]) =>
  new TmError(405, { detail: 'Method Not Allowed' }, { allow: allow.join(', ') })

const CORE: Record<ErrorCode, (e: HeraldError) => TmError> = {
  VALIDATION: (e) =>
    unprocessable({
      type: 'value_error',
      loc: ['body', String(e.details?.field ?? 'request')],
      msg: e.message,
      input: null,
    }),
  UNAUTHENTICATED: () => invalidToken(),
  FORBIDDEN: () => plain(403, 'Forbidden'),
  NOT_FOUND: () => routeNotFound(),
  CONFLICT: (e) => plain(409, e.message),
  PAYLOAD_TOO_LARGE: () => plain(413, 'Request Entity Too Large'),
  UNSUPPORTED_MEDIA_TYPE: () => plain(415, 'Unsupported Media Type'),
  RATE_LIMITED: () => plain(429, 'Too Many Requests'),
  UNAVAILABLE: () => plain(503, 'Service Unavailable'),
  INTERNAL: () => plain(500, 'Internal Server Error'),
}

/** Any error, including Fastify's own (body too large, rate limit), in TM's shape. */
export function toTmError(err: unknown): TmError {
  if (err instanceof TmError) return err
  if (isHeraldError(err)) return CORE[err.code](err)
  const status = (err as FastifyError).statusCode ?? 500
  if (status === 413) return CORE.PAYLOAD_TOO_LARGE(new HeraldError('PAYLOAD_TOO_LARGE', ''))
  if (status === 429) return CORE.RATE_LIMITED(new HeraldError('RATE_LIMITED', ''))
  if (status === 404) return routeNotFound()
  if (status >= 400 && status < 500) {
    return unprocessable({
      type: 'value_error',
      loc: ['request'],
      msg: (err as Error).message,
      input: null,
    })
  }
  return plain(500, 'Internal Server Error')
}

export function sendTmError(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const e = toTmError(err)
  if (e.status >= 500) req.log.error({ err }, 'tasking-manager request failed')
  reply.code(e.status).headers(e.headers)
  return reply.send(e.body)
}
