import type { ErrorCode } from '../../../core/errors.ts'
import { Answer, type Surface } from '../../surface.ts'

/** Ondi's envelope on every error: `{success: false, message, …extra}`. */
export const ondiError = (status: number, message: string, extra: Record<string, unknown> = {}) =>
  new Answer(status, { success: false, message, ...extra })

export const badPagination = () => ondiError(400, 'Invalid pagination parameters')

export const tenantNotFound = () => ondiError(404, 'Tenant not found')

/** Mark-read's all-or-nothing refusal, naming the refused ids as they were sent. */
export const invalidIds = (ids: unknown[]) =>
  ondiError(400, 'Invalid notification IDs', {
    error: 'invalid_notification_ids',
    invalid_ids: ids,
  })

/** Core codes the contract does not name get Ondi's envelope and a plain message. */
const BY_CODE: Record<ErrorCode, [number, string]> = {
  VALIDATION: [400, 'Bad request'],
  UNAUTHENTICATED: [401, 'Unauthorized'],
  FORBIDDEN: [403, 'Forbidden'],
  NOT_FOUND: [404, 'Not found'],
  NOT_OWNER: [404, 'Not found'],
  CONFLICT: [409, 'Conflict'],
  PAYLOAD_TOO_LARGE: [413, 'Payload too large'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'Unsupported media type: send application/json'],
  RATE_LIMITED: [429, 'Too many requests'],
  UNAVAILABLE: [503, 'Service unavailable'],
  INTERNAL: [500, 'Internal server error'],
}

/** Ondi answers every credential failure (missing, wrong kind, invalid) alike: 401 Unauthorized. */
export const renderError: Surface['renderError'] = (e) => {
  // A body that is not JSON gets words an Ondi client can act on.
  if (e.code === 'VALIDATION' && e.details?.reason === 'is not valid JSON') {
    return ondiError(400, 'Invalid JSON body')
  }
  const [status, message] = BY_CODE[e.code]
  return ondiError(status, message)
}

export const notFound: Surface['notFound'] = () => ondiError(404, 'Route not found')
