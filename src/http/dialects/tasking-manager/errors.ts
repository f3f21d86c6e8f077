import { type ErrorCode, type HeraldError, isHeraldError } from '../../../core/errors.ts'
import { Answer } from '../../surface.ts'

/** One entry of a FastAPI (pydantic v2) validation error list. */
export interface DetailItem {
  type: string
  loc: Array<string | number>
  msg: string
  input: unknown
  ctx?: Record<string, unknown>
}

export const unprocessable = (...items: DetailItem[]) => new Answer(422, { detail: items })

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
const envelope = (
  status: number,
  subCode: string,
  message: string,
  details: Record<string, unknown> = {},
) => new Answer(status, { error: { code: status, sub_code: subCode, message, details } })

/** Starlette's plain `{"detail": phrase}` for statuses TM has no body of its own for. */
const plain = (status: number, detail: string, headers: Record<string, string> = {}) =>
  new Answer(status, { detail }, headers)

export const invalidScheme = () => envelope(401, 'UNKNOWN_ERROR', 'Invalid authentication scheme')
/** Starlette's AuthenticationMiddleware answer to a header it cannot split or decode. */
export const malformedAuth = () =>
  new Answer(400, 'Invalid auth credentials', { 'content-type': 'text/plain; charset=utf-8' })

export const routeNotFound = () => plain(404, 'Not Found')
export const methodNotAllowed = (allow: string[]) =>
  plain(405, 'Method Not Allowed', { allow: allow.join(', ') })
/** Starlette's redirect to a path's slash form: no body. */
export const slashRedirect = (location: string) => new Answer(307, undefined, { location })

/**
 * Core's NOT_FOUND / NOT_OWNER for one message, in TM's words; core checks existence first, as
 * TM does. Any other error is returned unchanged.
 */
export function messageError(err: unknown, caller: number | string, id: number): unknown {
  if (!isHeraldError(err)) return err
  if (err.code === 'NOT_FOUND') {
    const message = 'The requested message was not found on the server.'
    return envelope(404, 'MESSAGE_NOT_FOUND', message, { message_id: id })
  }
  if (err.code === 'NOT_OWNER') {
    return new Answer(403, {
      Error: ` User ${caller} attempting to access another user's message ${id}`,
      SubCode: 'AccessOtherUserMessage',
    })
  }
  return err
}

/** Core's NOT_FOUND for a user without a checkpoint, in TM's words. */
export function checkpointError(err: unknown, caller: number | string): unknown {
  if (!isHeraldError(err) || err.code !== 'NOT_FOUND') return err
  const message =
    'The notifications associated with the requested resource were not found on the server.'
  return envelope(404, 'NOTIFICATIONS_NOT_FOUND', message, { user_id: caller })
}

/** What each kind of failed authentication answers: TM's dependency says 403 for none at all. */
const unauthenticated = (e: HeraldError) =>
  e.details?.credential === 'missing'
    ? plain(403, 'Not authenticated')
    : new Answer(
        401,
        { Error: 'Token is expired or invalid', SubCode: 'InvalidToken' },
        { 'www-authenticate': 'Bearer' },
      )

const PART: Record<string, string> = { querystring: 'query', params: 'path', headers: 'header' }

/** A Herald field (`querystring.page`, `body.messageIds.0`, core's `ids`) as a pydantic `loc`. */
function locOf(field: unknown): Array<string | number> {
  if (typeof field !== 'string' || field === '') return ['request']
  const [head = '', ...rest] = field.split('.')
  const where = PART[head] ?? 'body'
  const path = head in PART || head === 'body' ? rest : [head, ...rest]
  return [where, ...path.map((p) => (/^\d+$/.test(p) ? Number(p) : p))]
}

/** Every failing field (schema failures list them all), each as one pydantic entry. */
function validation(e: HeraldError): Answer {
  const errors: Array<{ field?: unknown; reason?: unknown }> = Array.isArray(e.details?.errors)
    ? e.details.errors
    : [{ field: e.details?.field, reason: e.message }]
  const item = (f: { field?: unknown; reason?: unknown }): DetailItem => ({
    type: 'value_error',
    loc: locOf(f.field),
    msg: String(f.reason ?? e.message),
    input: null,
  })
  return unprocessable(...errors.map(item))
}

const CORE: Record<ErrorCode, (e: HeraldError) => Answer> = {
  VALIDATION: validation,
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

/** Any core error, Fastify's own included once classified, in TM's shape. */
export const renderError = (e: HeraldError): Answer => CORE[e.code](e)
