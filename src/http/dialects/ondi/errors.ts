import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { ErrorCode } from '../../../core/errors.ts'
import { toHeraldError } from '../../errors.ts'

/** An answer Ondi's contract spells out: a status, a message and sometimes extra fields. */
export class OndiError extends Error {
  readonly status: number
  readonly extra: Record<string, unknown>

  constructor(status: number, message: string, extra: Record<string, unknown> = {}) {
    super(message)
    this.name = 'OndiError'
    this.status = status
    this.extra = extra
  }
}

export const unauthorized = () => new OndiError(401, 'Unauthorized')
export const badPagination = () => new OndiError(400, 'Invalid pagination parameters')

/** Core codes the contract does not name get Ondi's envelope and a plain message. */
const BY_CODE: Record<ErrorCode, [number, string]> = {
  VALIDATION: [400, 'Bad request'],
  UNAUTHENTICATED: [401, 'Unauthorized'],
  FORBIDDEN: [403, 'Forbidden'],
  NOT_FOUND: [404, 'Not found'],
  CONFLICT: [409, 'Conflict'],
  PAYLOAD_TOO_LARGE: [413, 'Payload too large'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'Unsupported media type: send application/json'],
  RATE_LIMITED: [429, 'Too many requests'],
  UNAVAILABLE: [503, 'Service unavailable'],
  INTERNAL: [500, 'Internal server error'],
}

/** Fastify's own client errors whose default wording would not help an Ondi client. */
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'Invalid JSON body',
  FST_ERR_CTP_BODY_TOO_LARGE: 'Payload too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported media type: send application/json',
}

function toOndi(err: unknown): OndiError {
  if (err instanceof OndiError) return err
  const e = err as FastifyError
  const herald = toHeraldError(err)
  const [status, message] = BY_CODE[herald.code]
  const known = e.code ? FASTIFY_MESSAGES[e.code] : undefined
  // JSON that does not parse surfaces as a SyntaxError with a 400 status.
  if (!known && status === 400 && e instanceof SyntaxError) {
    return new OndiError(400, 'Invalid JSON body')
  }
  return new OndiError(status, known ?? message)
}

export function ondiErrorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const e = toOndi(err)
  if (e.status >= 500) req.log.error({ err }, 'ondi request failed')
  return reply.code(e.status).send({ success: false, message: e.message, ...e.extra })
}

export function ondiNotFound(_req: FastifyRequest, reply: FastifyReply) {
  return reply.code(404).send({ success: false, message: 'Route not found' })
}
