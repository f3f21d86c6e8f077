import type { FastifyRequest } from 'fastify'
import type { ErrorCode, HeraldError } from '../../../core/errors.ts'
import { Answer } from '../../surface.ts'

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

/**
 * Mantle2's `{"code": <status>, "message": …}`; uncaught failures (5xx) come from its exception
 * subscriber, which writes the message first.
 */
export const mantleError = (status: number, message: string): Answer =>
  new Answer(status, status >= 500 ? { message, code: status } : { code: status, message })

export const routeMiss = () => mantleError(404, MESSAGES.notFound)
export const notificationMiss = () => mantleError(404, MESSAGES.notificationNotFound)

const CORE_STATUS: Record<ErrorCode, [number, string]> = {
  VALIDATION: [400, 'Bad Request'],
  UNAUTHENTICATED: [401, MESSAGES.badToken],
  FORBIDDEN: [403, MESSAGES.forbidden],
  NOT_FOUND: [404, MESSAGES.notFound],
  NOT_OWNER: [404, MESSAGES.notFound],
  CONFLICT: [409, 'Conflict'],
  PAYLOAD_TOO_LARGE: [413, 'Payload Too Large'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'Unsupported Media Type'],
  RATE_LIMITED: [429, 'Too Many Requests'],
  UNAVAILABLE: [503, 'Service Unavailable'],
  INTERNAL: [500, 'Internal Server Error'],
}

export function renderError(e: HeraldError): Answer {
  if (e.code === 'UNAUTHENTICATED' && e.details?.credential === 'missing') {
    return mantleError(401, MESSAGES.authRequired)
  }
  const [status, fallback] = CORE_STATUS[e.code]
  // Schema and parser failures keep Drupal's plain "Bad Request"; core's own say what is wrong.
  const own = e.code === 'VALIDATION' && !e.details?.errors && e.details?.reason === undefined
  return mantleError(status, own ? e.message : fallback)
}

export const notFound = (_req: FastifyRequest) => routeMiss()
