import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ErrorCode } from '../../../core/errors.ts'
import { toHeraldError } from '../../errors.ts'

/** Every response of this dialect, errors included, carries the JSON:API media type. */
export const JSONAPI_TYPE = 'application/vnd.api+json; charset=utf-8'

/** An error already in the dialect's own terms: a status, a title and a detail. */
export class JsonApiError extends Error {
  readonly status: number
  readonly title: string
  // Fastify reads statusCode off errors thrown by content-type parsers.
  readonly statusCode: number

  constructor(status: number, title: string, detail: string) {
    super(detail)
    this.name = 'JsonApiError'
    this.status = status
    this.statusCode = status
    this.title = title
  }
}

export const invalidFilterValue = (name: string, value: string): JsonApiError =>
  new JsonApiError(400, 'Invalid filter value', `${value} is not a valid value for ${name}.`)

export const recordNotFound = (id: string): JsonApiError =>
  new JsonApiError(404, 'Record not found', `The record identified by ${id} could not be found.`)

const TITLES: Record<ErrorCode, [number, string]> = {
  VALIDATION: [400, 'Bad Request'],
  UNAUTHENTICATED: [401, 'Unauthorized'],
  FORBIDDEN: [403, 'Forbidden'],
  NOT_FOUND: [404, 'Record not found'],
  CONFLICT: [409, 'Conflict'],
  PAYLOAD_TOO_LARGE: [413, 'Payload too large'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'Unsupported media type'],
  RATE_LIMITED: [429, 'Too many requests'],
  UNAVAILABLE: [503, 'Service unavailable'],
  INTERNAL: [500, 'Internal server error'],
}

export const unsupportedMediaType = (req: FastifyRequest): JsonApiError =>
  new JsonApiError(
    415,
    'Unsupported media type',
    "All requests that create or update must use the 'application/vnd.api+json' Content-Type. " +
      `This request specified '${req.headers['content-type'] ?? ''}'.`,
  )

/** Any error, including Fastify's own (bad body, too large, rate limit), in the dialect's terms. */
export function toJsonApiError(err: unknown, req: FastifyRequest): JsonApiError {
  if (err instanceof JsonApiError) return err
  const e = toHeraldError(err)
  if (e.code === 'UNSUPPORTED_MEDIA_TYPE') return unsupportedMediaType(req)
  const [status, title] = TITLES[e.code]
  return new JsonApiError(status, title, e.message)
}

export function sendError(reply: FastifyReply, e: JsonApiError) {
  return reply
    .code(e.status)
    .type(JSONAPI_TYPE)
    .send({ errors: [{ status: e.status, title: e.title, detail: e.message }] })
}

export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const e = toJsonApiError(err, req)
  if (e.status >= 500) req.log.error({ err }, 'productive request failed')
  return sendError(reply, e)
}

/** Unknown routes under the prefix (there is no create, delete or unread route either). */
export function notFoundHandler(req: FastifyRequest, reply: FastifyReply) {
  const path = req.url.split('?')[0] ?? ''
  return sendError(
    reply,
    new JsonApiError(404, 'Not found', `No route matches [${req.method}] "${path}"`),
  )
}
