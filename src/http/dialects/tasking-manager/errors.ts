import type { ErrorCode, HeraldError } from '../../../core/errors.ts'
import { Answer } from '../../surface.ts'

/** An answer with Tasking Manager's exact status, body and headers. */
export const tmError = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Answer(status, body, headers)

/** One entry of a FastAPI (pydantic v2) validation error list. */
export interface DetailItem {
  type: string
  loc: Array<string | number>
  msg: string
  input: unknown
  ctx?: Record<string, unknown>
}

export const unprocessable = (...items: DetailItem[]) => tmError(422, { detail: items })

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
) => tmError(status, { error: { code: status, sub_code: subCode, message, details } })

export const notAuthenticated = () => tmError(403, { detail: 'Not authenticated' })
export const invalidToken = () =>
  tmError(
    401,
    { Error: 'Token is expired or invalid', SubCode: 'InvalidToken' },
    { 'www-authenticate': 'Bearer' },
  )
export const invalidScheme = () => envelope(401, 'UNKNOWN_ERROR', 'Invalid authentication scheme')
/** Starlette's AuthenticationMiddleware answer to a header it cannot split or decode. */
export const malformedAuth = () =>
  tmError(400, 'Invalid auth credentials', { 'content-type': 'text/plain; charset=utf-8' })

/** Starlette's plain `{"detail": phrase}` for statuses TM has no body of its own for. */
const plain = (status: number, detail: string) => tmError(status, { detail })

export const routeNotFound = () => plain(404, 'Not Found')
export const methodNotAllowed = (allow: string[]) =>
  tmError(405, { detail: 'Method Not Allowed' }, { allow: allow.join(', ') })

/** What each kind of failed authentication answers: TM's dependency says 403 for none at all. */
const unauthenticated = (e: HeraldError) =>
  e.details?.credential === 'missing' ? notAuthenticated() : invalidToken()

const CORE: Record<ErrorCode, (e: HeraldError) => Answer> = {
  VALIDATION: (e) =>
    unprocessable({
      type: 'value_error',
      loc: e.details?.field === undefined ? ['request'] : ['body', String(e.details.field)],
      msg: e.message,
      input: null,
    }),
  UNAUTHENTICATED: unauthenticated,
  FORBIDDEN: () => plain(403, 'Forbidden'),
  NOT_FOUND: () => routeNotFound(),
  NOT_OWNER: () => plain(403, 'Forbidden'),
  CONFLICT: (e) => plain(409, e.message),
  PAYLOAD_TOO_LARGE: () => plain(413, 'Request Entity Too Large'),
  UNSUPPORTED_MEDIA_TYPE: () => plain(415, 'Unsupported Media Type'),
  RATE_LIMITED: () => plain(429, 'Too Many Requests'),
  UNAVAILABLE: () => plain(503, 'Service Unavailable'),
  INTERNAL: () => plain(500, 'Internal Server Error'),
}

/** Any core error, Fastify's own included, in TM's shape. */
export const renderError = (e: HeraldError): Answer => CORE[e.code](e)
