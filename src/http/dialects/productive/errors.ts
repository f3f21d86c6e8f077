import type { FastifyRequest } from 'fastify'
import type { ErrorCode, HeraldError } from '../../../core/errors.ts'
import { Answer } from '../../surface.ts'

/** Every response of this dialect, errors included, carries the JSON:API media type. */
export const JSONAPI_TYPE = 'application/vnd.api+json; charset=utf-8'

/** An error in JSON:API's shape: a status, a title and a detail. */
const jsonApiError = (status: number, title: string, detail: string): Answer =>
  new Answer(status, { errors: [{ status, title, detail }] }, { 'content-type': JSONAPI_TYPE })

const badRequest = (title: string, detail: string): Answer => jsonApiError(400, title, detail)

export const forbidden = (detail: string): Answer => jsonApiError(403, 'Forbidden', detail)

export const recordNotFound = (id: string): Answer =>
  jsonApiError(404, 'Record not found', `The record identified by ${id} could not be found.`)

export const invalidFilterValue = (name: string, value: string): Answer =>
  badRequest('Invalid filter value', `${value} is not a valid value for ${name}.`)

/** Herald's bound, which Productive lacks: the value is not echoed, it may be huge. */
export const filterValueTooLong = (name: string, max: number): Answer =>
  badRequest('Invalid filter value', `The value for ${name} is longer than ${max} characters.`)

export const unsupportedFilter = (name: string): Answer =>
  badRequest('Unsupported Filter', `Filter '${name}' is not supported on this endpoint`)

/** An operator Productive names elsewhere (`known`) or one it does not have at all. */
export const unsupportedOperator = (name: string, op: string, known: boolean): Answer =>
  badRequest(
    'Unsupported Filter',
    known
      ? `Filter '${name}' does not support the '${op}' operator on this endpoint`
      : `Operator '${op}' is not a filter operator`,
  )

export const invalidFilterSyntax = (what: string): Answer =>
  badRequest('Invalid filters syntax', `${what} is not a valid syntax for filtering.`)

export const invalidSort = (sort: string): Answer =>
  badRequest('Invalid sort criteria', `${sort} is not a valid sort criteria for notifications`)

export const invalidPageValue = (detail: string): Answer => badRequest('Invalid page value', detail)

export const pageParameterNotAllowed = (key: string): Answer =>
  badRequest('Page parameter not allowed', `${key} is not an allowed page parameter.`)

export const invalidPageObject = (): Answer =>
  badRequest('Invalid Page Object', 'Invalid Page Object.')

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

/** What each kind of failed authentication tells the client. */
function unauthenticated(e: HeraldError): string {
  if (e.details?.credential === 'missing') return 'Send your token in the X-Auth-Token header.'
  if (e.details?.credential === 'kind') return 'The X-Auth-Token is not a user token.'
  return `The X-Auth-Token is not valid: ${e.message}.`
}

/** The id as the client wrote it in the path, which is what the not-found detail repeats. */
function requestedId(req: FastifyRequest): string | undefined {
  const p = req.params
  return typeof p === 'object' && p !== null && 'id' in p && typeof p.id === 'string'
    ? p.id
    : undefined
}

/**
 * Any core error, Fastify's own included, in the dialect's terms. Resources are scoped to their
 * owner, so another user's notification is not found, like a missing one.
 */
export function renderError(e: HeraldError, req: FastifyRequest): Answer {
  const id = requestedId(req)
  if ((e.code === 'NOT_FOUND' || e.code === 'NOT_OWNER') && id !== undefined) {
    return recordNotFound(id)
  }
  if (e.code === 'UNAUTHENTICATED') return jsonApiError(401, 'Unauthorized', unauthenticated(e))
  if (e.code === 'VALIDATION' && e.details?.reason === 'is not valid JSON') {
    return badRequest('Bad Request', 'The request body is not valid JSON.')
  }
  if (e.code === 'UNSUPPORTED_MEDIA_TYPE') {
    return jsonApiError(
      415,
      'Unsupported media type',
      "All requests that create or update must use the 'application/vnd.api+json' Content-Type. " +
        `This request specified '${req.headers['content-type'] ?? ''}'.`,
    )
  }
  const [status, title] = TITLES[e.code]
  return jsonApiError(status, title, e.message)
}

/** Unknown routes under the prefix (there is no create, delete or unread route either). */
export function notFound(req: FastifyRequest): Answer {
  const path = req.url.split('?')[0] ?? ''
  return jsonApiError(404, 'Not found', `No route matches [${req.method}] "${path}"`)
}
