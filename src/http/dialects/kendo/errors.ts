import type { FastifyRequest } from 'fastify'
import type { ErrorCode, HeraldError } from '../../../core/errors.ts'
import { Answer } from '../../surface.ts'
import { type FieldErrors, ROUTE_METHODS } from './map.ts'

/** A Laravel-style answer: the JSON body Kendo's framework would send. */
const laravel = (status: number, body: Record<string, unknown>, headers?: Record<string, string>) =>
  new Answer(status, body, headers)

/** Passport's CheckForAnyScope / CheckScopes message. */
export const invalidScope = () => laravel(403, { message: 'Invalid scope(s) provided.' })
/** Laravel's AuthorizationException, raised before validation runs. */
export const unauthorized = () => laravel(403, { message: 'This action is unauthorized.' })

/** Laravel's 422: the first message, a count of the others, and every message by field. */
export function validationFailed(errors: FieldErrors): Answer {
  const [first = 'The given data was invalid.', ...rest] = Object.values(errors).flat()
  const more =
    rest.length === 0 ? '' : ` (and ${rest.length} more ${rest.length === 1 ? 'error' : 'errors'})`
  return laravel(422, { message: `${first}${more}`, errors })
}

/** Status and message of Laravel's own exception rendering, for everything that is not ours. */
const BY_CODE: Record<ErrorCode, [number, string]> = {
  VALIDATION: [422, 'The given data was invalid.'],
  UNAUTHENTICATED: [401, 'Unauthenticated.'],
  FORBIDDEN: [403, 'This action is unauthorized.'],
  NOT_FOUND: [404, 'Not Found'],
  NOT_OWNER: [404, 'Not Found'],
  CONFLICT: [409, 'Conflict'],
  PAYLOAD_TOO_LARGE: [413, 'The POST data is too large.'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'Unsupported Media Type'],
  RATE_LIMITED: [429, 'Too Many Attempts.'],
  UNAVAILABLE: [503, 'Service Unavailable'],
  INTERNAL: [500, 'Server Error'],
}

/** Any core error as Laravel renders it; every kind of refused credential is the same 401. */
export function renderError(e: HeraldError): Answer {
  if (e.code === 'VALIDATION') {
    const field = typeof e.details?.field === 'string' ? e.details.field : 'request'
    return validationFailed({ [field]: [e.message] })
  }
  const [status, message] = BY_CODE[e.code]
  return laravel(status, { message })
}

/** Laravel's answers for an unknown path (404) and a known path with another method (405). */
export function notFound(req: FastifyRequest, prefix: string): Answer {
  const raw = req.url.split('?')[0] ?? ''
  const path = raw.slice(prefix.length).replace(/^\/+|\/+$/g, '') || '/'
  const methods = ROUTE_METHODS.get(path)
  if (methods && !methods.includes(req.method)) {
    const allowed = methods.join(', ')
    const message = `The ${req.method} method is not supported for route ${path}. Supported methods: ${allowed}.`
    return laravel(405, { message }, { allow: allowed })
  }
  return laravel(404, { message: `The route ${path} could not be found.` })
}
