import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type ErrorCode, isHeraldError } from '../../../core/errors.ts'

/** An answer with Mantle2's exact status and message, thrown by the dialect's own checks. */
export class MantleError extends Error {
  readonly status: number

  constructor(status: number, message: string) {
    super(message)
    this.name = 'MantleError'
    this.status = status
  }
}

/** The messages the real service answers with, word for word. */
export const MESSAGES = {
  authRequired: 'Authentication required',
  badToken: 'Invalid or expired session token',
  disabled: 'Account disabled by administrator',
  notFound: 'Not Found',
  forbidden: 'Forbidden',
  notificationNotFound: 'Notification not found',
  alreadyRead: 'Notification is already marked as read',
  alreadyUnread: 'Notification is already marked as unread',
  adminsOnly: 'Only admins can create notifications for other users',
  invalidJson: 'Invalid JSON',
  missingFields: 'Missing title or description',
} as const

export const routeMiss = () => new MantleError(404, MESSAGES.notFound)
export const notificationMiss = () => new MantleError(404, MESSAGES.notificationNotFound)

const CORE_STATUS: Record<ErrorCode, [number, string]> = {
  VALIDATION: [400, 'Bad Request'],
  UNAUTHENTICATED: [401, MESSAGES.badToken],
  FORBIDDEN: [403, MESSAGES.forbidden],
  NOT_FOUND: [404, MESSAGES.notFound],
  CONFLICT: [409, 'Conflict'],
  PAYLOAD_TOO_LARGE: [413, 'Payload Too Large'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'Unsupported Media Type'],
  RATE_LIMITED: [429, 'Too Many Requests'],
  UNAVAILABLE: [503, 'Service Unavailable'],
  INTERNAL: [500, 'Internal Server Error'],
}

/** Status and message of anything a route threw: ours, core's, or Fastify's own client errors. */
function classify(err: unknown): [number, string] {
  if (err instanceof MantleError) return [err.status, err.message]
  if (isHeraldError(err)) {
    const [status, fallback] = CORE_STATUS[err.code]
    return [status, err.code === 'VALIDATION' ? err.message : fallback]
  }
  const e = err as FastifyError
  const status = e.statusCode ?? 500
  if (e.validation) return [400, 'Bad Request']
  if (status === 413) return [413, 'Payload Too Large']
  if (status === 429) return [429, 'Too Many Requests']
  if (status === 404) return [404, MESSAGES.notFound]
  if (status >= 400 && status < 500) return [status, e.message || 'Bad Request']
  return [500, 'Internal Server Error']
}

/** Any error under the prefix as `{"code":<status>,"message":…}`. */
export function mantleErrorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const [status, message] = classify(err)
  if (status >= 500) {
    req.log.error({ err }, 'mantle2 request failed')
    // Mantle2's exception subscriber writes uncaught errors with the message first.
    return reply.code(status).send({ message, code: status })
  }
  return reply.code(status).send({ code: status, message })
}

/** Every error and route miss under the prefix answers `{"code":<status>,"message":…}`. */
export function installErrorHandlers(app: FastifyInstance) {
  app.setErrorHandler(mantleErrorHandler)
  app.setNotFoundHandler((_req, reply) =>
    reply.code(404).send({ code: 404, message: MESSAGES.notFound }),
  )
}
