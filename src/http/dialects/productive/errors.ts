import type { FastifyRequest } from 'fastify'
import type { ErrorCode, HeraldError } from '../../../core/errors.ts'
import { Answer } from '../../surface.ts'

/** Every response of this dialect, errors included, carries the JSON:API media type. */
export const JSONAPI_TYPE = 'application/vnd.api+json; charset=utf-8'

/** An error in JSON:API's shape: a status, a title and a detail. */
export const jsonApiError = (status: number, title: string, detail: string): Answer =>
  new Answer(status, { errors: [{ status, title, detail }] }, { 'content-type': JSONAPI_TYPE })

export const invalidFilterValue = (name: string, value: string): Answer =>
  jsonApiError(400, 'Invalid filter value', `${value} is not a valid value for ${name}.`)

export const recordNotFound = (id: string): Answer =>
  jsonApiError(404, 'Record not found', `The record identified by ${id} could not be found.`)

const TITLES: Record<ErrorCode, [number, string]> = {
  VALIDATION: [400, 'Bad Request'],
  UNAUTHENTICATED: [401, 'Unauthorized'],
  FORBIDDEN: [403, 'Forbidden'],
  NOT_FOUND: [404, 'Record not found'],
  NOT_OWNER: [404, 'Record not found'],
  CONFLICT: [409, 'Conflict'],
  PAYLOAD_TOO_LARGE: [413, 'Payload too large'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'Unsupported media type'],
  RATE_LIMITED: [429, 'Too many requests'],
  UNAVAILABLE: [503, 'Service unavailable'],
  INTERNAL: [500, 'Internal server error'],
}

export const unsupportedMediaType = (req: FastifyRequest): Answer =>
  jsonApiError(
    415,
    'Unsupported media type',
    "All requests that create or update must use the 'application/vnd.api+json' Content-Type. " +
      `This request specified '${req.headers['content-type'] ?? ''}'.`,
  )

/** What each kind of failed authentication tells the client. */
const UNAUTHENTICATED: Record<string, (e: HeraldError) => string> = {
  missing: () => 'Send your token in the X-Auth-Token header.',
  kind: () => 'The X-Auth-Token is not a user token.',
  invalid: (e) => `The X-Auth-Token is not valid: ${e.message}.`,
}

/** Any core error, Fastify's own included, in the dialect's terms. */
export function renderError(e: HeraldError, req: FastifyRequest): Answer {
  if (e.code === 'UNSUPPORTED_MEDIA_TYPE') return unsupportedMediaType(req)
  if (e.code === 'UNAUTHENTICATED') {
    const why = UNAUTHENTICATED[String(e.details?.credential)] ?? UNAUTHENTICATED.invalid
    return jsonApiError(401, 'Unauthorized', (why as (e: HeraldError) => string)(e))
  }
  const [status, title] = TITLES[e.code]
  return jsonApiError(status, title, e.message)
}

/** Unknown routes under the prefix (there is no create, delete or unread route either). */
export function notFound(req: FastifyRequest): Answer {
  const path = req.url.split('?')[0] ?? ''
  return jsonApiError(404, 'Not found', `No route matches [${req.method}] "${path}"`)
}
