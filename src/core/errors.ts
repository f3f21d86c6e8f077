/**
 * The one error type core throws. Each API surface maps `code` onto its own status and body;
 * core never knows an HTTP status. Codes are API: never rename or reuse one once published.
 */
export const ERROR_CODES = [
  'VALIDATION',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'NOT_OWNER',
  'CONFLICT',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNAVAILABLE',
  'INTERNAL',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

/*
 * What each code means, once:
 * - VALIDATION: the request is malformed or names something impossible; nothing changed.
 * - UNAUTHENTICATED: no credential, or one that is not valid (for this surface).
 * - FORBIDDEN: a valid credential that may not do this (wrong kind, missing permission or scope).
 * - NOT_FOUND: nothing by that id exists for the caller's tenant.
 * - NOT_OWNER: it exists, but is another user's. Surfaces that must not reveal that (the native
 *   API) answer it exactly as NOT_FOUND; dialects whose contract says 403 say so.
 * - CONFLICT: the state or an idempotency key forbids it now.
 * - RATE_LIMITED, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE: what their names say.
 * - UNAVAILABLE: a dependency (the database) is down; retrying later may succeed.
 * - INTERNAL: a defect; never caused by what a client sent.
 */

export class HeraldError extends Error {
  readonly code: ErrorCode
  readonly details: Record<string, unknown> | undefined

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message)
    this.name = 'HeraldError'
    this.code = code
    this.details = details
  }
}

export const isHeraldError = (err: unknown): err is HeraldError => err instanceof HeraldError

/** Shorthand for a validation failure on one named field. */
export const invalid = (field: string, message: string): HeraldError =>
  new HeraldError('VALIDATION', `${field}: ${message}`, { field })
