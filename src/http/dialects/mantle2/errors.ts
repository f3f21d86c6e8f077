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

/** Drupal's plain 404: a path no route pattern matches, or a target user that does not exist. */
export const notFound = (): Answer => mantleError(404, MESSAGES.notFound)

/** A well-formed notification id that is not in the target's inbox. */
export const notificationNotFound = (): Answer => mantleError(404, MESSAGES.notificationNotFound)

/** The 409 of a mark that would change nothing. */
export const alreadyMarked = (action: 'read' | 'unread'): Answer =>
  mantleError(409, action === 'read' ? MESSAGES.alreadyRead : MESSAGES.alreadyUnread)

const CORE_STATUS: Record<ErrorCode, [number, string]> = {
  VALIDATION: [400, 'Bad Request'],
  UNAUTHENTICATED: [401, MESSAGES.badToken],
  FORBIDDEN: [403, MESSAGES.forbidden],
  NOT_FOUND: [404, MESSAGES.notFound],
  NOT_OWNER: [404, MESSAGES.notificationNotFound],
  CONFLICT: [409, 'Conflict'],
  PAYLOAD_TOO_LARGE: [413, 'Payload Too Large'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'Unsupported Media Type'],
  RATE_LIMITED: [429, 'Too Many Requests'],
  UNAVAILABLE: [503, 'Service Unavailable'],
  INTERNAL: [500, 'Internal Server Error'],
}

/**
 * Any core error in Mantle2's shape. A missing credential is Mantle2's "Authentication required";
 * a server key is as invalid a session token as a forged one.
 */
export function renderError(e: HeraldError): Answer {
  if (e.code === 'UNAUTHENTICATED' && e.details?.credential === 'missing') {
    return mantleError(401, MESSAGES.authRequired)
  }
  const [status, fallback] = CORE_STATUS[e.code]
  // Schema and parser failures keep Drupal's plain "Bad Request"; core's own say what is wrong.
  const own = e.code === 'VALIDATION' && e.details?.reason === undefined
  return mantleError(status, own ? e.message : fallback)
}
