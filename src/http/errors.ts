import type { FastifyError } from 'fastify'
import { type ErrorCode, HeraldError, isHeraldError } from '../core/errors.ts'

/** Native status for each core error code; dialects keep their own tables. */
export const NATIVE_STATUS: Record<ErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
}

/** The first schema-validation failure as `field` and a reason a person can act on. */
export function describeValidation(err: FastifyError): { field: string; reason: string } {
  const first = err.validation?.[0]
  const where = err.validationContext ?? 'request'
  if (!first) return { field: where, reason: err.message }
  const params = first.params as Record<string, unknown>
  const path = (first.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.')
  const extra = params.additionalProperty ?? params.missingProperty
  const field = [where, path, extra].filter((p) => p !== undefined && p !== '').join('.')
  if (first.keyword === 'additionalProperties') return { field, reason: 'is not a known field' }
  if (first.keyword === 'required') return { field, reason: 'is required' }
  return { field, reason: first.message ?? 'is not valid' }
}

/**
 * Any error thrown while handling a request, as a core error. Fastify's own client errors (bad
 * JSON, too large, wrong content type, schema validation, rate limit) keep their meaning; anything
 * else is INTERNAL.
 */
export function toHeraldError(err: unknown): HeraldError {
  if (isHeraldError(err)) return err
  const e = err as FastifyError
  if (e.validation) {
    const { field, reason } = describeValidation(e)
    return new HeraldError('VALIDATION', `${field} ${reason}`, { field, reason })
  }
  const status = e.statusCode ?? 500
  if (status === 413) return new HeraldError('PAYLOAD_TOO_LARGE', 'request body is too large')
  if (status === 415) return new HeraldError('UNSUPPORTED_MEDIA_TYPE', e.message)
  if (status === 429) return new HeraldError('RATE_LIMITED', 'too many requests; slow down')
  if (status === 404) return new HeraldError('NOT_FOUND', e.message)
  if (status >= 400 && status < 500) return new HeraldError('VALIDATION', e.message)
  return new HeraldError('INTERNAL', 'internal error')
}
