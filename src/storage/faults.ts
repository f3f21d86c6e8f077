import { HeraldError } from '../core/errors.ts'

// Node's socket errors: the database's address refused us, or a connection we had went away.
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH'])

// SQLSTATEs outside classes 08 and 57P0x that still mean "the database cannot serve this now":
// a statement cancelled by statement_timeout, and a server out of connection slots.
const BUSY_STATES = new Set(['57014', '53300'])

// What `pg` and its pool say, in words only, when a connection fails or a timeout fires.
const DRIVER_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /query read timeout/i,
  /not queryable/i,
  /connection (error|ended|closed)/i,
]

const fieldOf = (err: unknown, name: 'code' | 'message'): string | undefined => {
  if (typeof err !== 'object' || err === null || !(name in err)) return undefined
  const value = (err as Record<string, unknown>)[name]
  return typeof value === 'string' ? value : undefined
}

/**
 * True for a failure of the connection to the database rather than of the statement: SQLSTATE
 * class 08 (connection exception) and 57P0x (the server is shutting down or restarting), a socket
 * error, or a driver, pool or query timeout. Kysely and `pg` sometimes wrap one in `cause`.
 */
export function isConnectionFailure(err: unknown, depth = 0): boolean {
  const code = fieldOf(err, 'code')
  if (code?.startsWith('08') || code?.startsWith('57P0')) return true
  if (code !== undefined && (SOCKET_CODES.has(code) || BUSY_STATES.has(code))) return true
  const message = fieldOf(err, 'message')
  if (message !== undefined && DRIVER_MESSAGES.some((m) => m.test(message))) return true
  const cause = typeof err === 'object' && err !== null && 'cause' in err ? err.cause : undefined
  return depth < 3 && cause !== undefined && isConnectionFailure(cause, depth + 1)
}

/** The one error a surface sees while the store cannot answer; retrying later may succeed. */
export const storeUnavailable = (): HeraldError =>
  new HeraldError('UNAVAILABLE', 'the store is unavailable; retry shortly', { retryAfter: 1 })

/** A connection-level failure as UNAVAILABLE; any other error unchanged. */
export const asUnavailable = (err: unknown): unknown =>
  isConnectionFailure(err) ? storeUnavailable() : err
