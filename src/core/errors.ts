/**
 * The one error type core throws. Each API surface maps `code` onto its own status and body;
 * core never knows an HTTP status. Codes are API: never rename or reuse one once published.
 */
export const ERROR_CODES = [
  'VALIDATION',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNAVAILABLE',
  'INTERNAL',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

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
