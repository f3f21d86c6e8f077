import type { FastifyReply, FastifyRequest } from 'fastify'
import { type ErrorCode, isHeraldError } from '../../../core/errors.ts'
import { toHeraldError } from '../../errors.ts'

/** A Laravel-style answer: a status and the JSON body Kendo's framework would send. */
export class KendoError extends Error {
  readonly status: number
  readonly body: Record<string, unknown>
  readonly headers: Record<string, string>

  constructor(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) {
    super(String(body.message))
    this.status = status
    this.body = body
    this.headers = headers
  }
}

export const unauthenticated = () => new KendoError(401, { message: 'Unauthenticated.' })
/** Passport's CheckForAnyScope / CheckScopes message. */
export const invalidScope = () => new KendoError(403, { message: 'Invalid scope(s) provided.' })
/** Laravel's AuthorizationException, raised before validation runs. */
export const unauthorized = () => new KendoError(403, { message: 'This action is unauthorized.' })

/** Laravel's 422: the first message, a count of the others, and every message by field. */
export function validationFailed(errors: Record<string, string[]>): KendoError {
  const [first = 'The given data was invalid.', ...rest] = Object.values(errors).flat()
  const more =
    rest.length === 0 ? '' : ` (and ${rest.length} more ${rest.length === 1 ? 'error' : 'errors'})`
  return new KendoError(422, { message: `${first}${more}`, errors })
}

/** Status and message of Laravel's own exception rendering, for everything that is not ours. */
const BY_CODE: Record<ErrorCode, [number, string]> = {
  VALIDATION: [422, 'The given data was invalid.'],
  UNAUTHENTICATED: [401, 'Unauthenticated.'],
  FORBIDDEN: [403, 'This action is unauthorized.'],
  NOT_FOUND: [404, 'Not Found'],
  CONFLICT: [409, 'Conflict'],
  PAYLOAD_TOO_LARGE: [413, 'The POST data is too large.'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'Unsupported Media Type'],
  RATE_LIMITED: [429, 'Too Many Attempts.'],
  UNAVAILABLE: [503, 'Service Unavailable'],
  INTERNAL: [500, 'Server Error'],
}

export function kendoErrorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof KendoError) {
    return reply.code(err.status).headers(err.headers).send(err.body)
  }
  const e = toHeraldError(err)
  const [status, message] = BY_CODE[e.code]
  if (status >= 500) req.log.error({ err }, 'kendo request failed')
  if (e.code === 'VALIDATION' && isHeraldError(err)) {
    const field = typeof e.details?.field === 'string' ? e.details.field : 'request'
    return reply.code(422).send({ message: e.message, errors: { [field]: [e.message] } })
  }
  return reply.code(status).send({ message })
}
