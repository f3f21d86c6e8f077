import type { Authenticator } from '../../../auth/principal.ts'
import { isHeraldError } from '../../../core/errors.ts'
import type { Core } from '../../../core/herald.ts'
import type { Viewer } from '../../../core/inbox.ts'
import type { Principal, User } from '../../../core/notification.ts'
import { MantleError, MESSAGES, routeMiss } from './errors.ts'

/** The authenticated caller: a user token's principal and, when the directory has one, its record. */
export interface Caller {
  principal: Principal & { userId: string }
  user: User | null
}

/** A resolved `{user}` path segment: whose inbox the request reads or changes. */
export interface Target {
  caller: Caller
  viewer: Viewer
  /** The target's Herald user id. */
  userId: string
}

const BEARER = /^bearer /i

/** `UsersHelper::findByRequest`: 401 without a usable bearer token, 403 for a disabled account. */
export async function authenticate(
  auth: Authenticator,
  core: Core,
  header: string | undefined,
): Promise<Caller> {
  if (header === undefined || !BEARER.test(header)) {
    throw new MantleError(401, MESSAGES.authRequired)
  }
  const token = header.slice('bearer '.length).trim()
  let principal: Principal
  try {
    principal = await auth.credential(token)
  } catch (err) {
    if (isHeraldError(err) && err.code === 'UNAUTHENTICATED') {
      throw new MantleError(401, MESSAGES.badToken)
    }
    throw err
  }
  // A server API key (or operator token) is nobody's session: Mantle2 only knows user sessions.
  const userId = principal.userId
  if (principal.kind !== 'user' || userId === null) throw new MantleError(401, MESSAGES.badToken)
  const user = await core.directory.getUser(principal.tenantId, userId).catch(notFoundAsNull)
  if (user?.disabled) throw new MantleError(403, MESSAGES.disabled)
  return { principal: { ...principal, userId }, user }
}

const notFoundAsNull = (err: unknown): null => {
  if (isHeraldError(err) && err.code === 'NOT_FOUND') return null
  throw err
}

/** The route patterns of a `{user}` segment; anything else fails to route, as in Drupal. */
export type Selector =
  | { kind: 'current' }
  | { kind: 'id'; id: string }
  | { kind: 'username'; username: string }

const DIGITS = /^\d+$/
const USERNAME = /^@?[\w.]+$/

/** Parses the `{user}` segment, or null when no Mantle2 route pattern matches it. */
export function parseSelector(segment: string): Selector | null {
  if (segment === 'current') return { kind: 'current' }
  // `(int)` parsing in the real service: a zero-padded id names the same user.
  if (DIGITS.test(segment)) return { kind: 'id', id: segment.replace(/^0+(?=\d)/, '') }
  if (USERNAME.test(segment)) return { kind: 'username', username: segment.replace(/^@/, '') }
  return null
}

async function lookup(core: Core, caller: Caller, s: Selector): Promise<string | null> {
  const tenant = caller.principal.tenantId
  if (s.kind === 'current') return caller.principal.userId
  if (s.kind === 'username') {
    return (await core.directory.findUserByUsername(tenant, s.username))?.id ?? null
  }
  if (s.id === '0') return null
  // A caller with no directory record can still reach their own inbox by id.
  if (s.id === caller.principal.userId) return s.id
  return (await core.directory.getUser(tenant, s.id).catch(notFoundAsNull))?.id ?? null
}

/** `findByAuthorized`: authenticate (401), find the target (404), then self or admin (403). */
export async function resolveTarget(
  auth: Authenticator,
  core: Core,
  header: string | undefined,
  segment: string,
): Promise<Target> {
  const selector = parseSelector(segment)
  if (!selector) throw routeMiss()
  const caller = await authenticate(auth, core, header)
  const userId = await lookup(core, caller, selector)
  if (userId === null) throw new MantleError(404, MESSAGES.notFound)
  if (userId !== caller.principal.userId && !(await isAdmin(core, caller))) {
    throw new MantleError(403, MESSAGES.forbidden)
  }
  return { caller, viewer: { tenantId: caller.principal.tenantId, userId }, userId }
}

export const isAdmin = (core: Core, caller: Caller): Promise<boolean> =>
  core.directory.can(caller.principal, 'administer users')
