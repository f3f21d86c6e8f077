import type { FastifyRequest } from 'fastify'
import { isHeraldError } from '../../../core/errors.ts'
import type { Core } from '../../../core/herald.ts'
import type { Viewer } from '../../../core/inbox.ts'
import type { Principal } from '../../../core/notification.ts'
import { principalOf, type SurfaceDeps } from '../../surface.ts'
import { MESSAGES, mantleError, routeMiss } from './errors.ts'
import { uuidOf } from './render.ts'

/** A resolved `{user}` path segment: whose inbox the request reads or changes. */
export interface Target {
  caller: Principal & { userId: string }
  viewer: Viewer
  /** The target's Herald user id. */
  userId: string
}

type Params = { user?: string; nid?: string }

const BEARER = /^bearer /i

/** `Authorization: Bearer <session token>`; anything else is no credential. */
export function credential(req: FastifyRequest): string | null {
  const header = req.headers.authorization
  if (header === undefined || !BEARER.test(header)) return null
  return header.slice('bearer '.length).trim()
}

const notFoundAsNull = (err: unknown): null => {
  if (isHeraldError(err) && err.code === 'NOT_FOUND') return null
  throw err
}

/** `UsersHelper::findByRequest`: a disabled account is 403 on every route. */
export async function admit(_req: FastifyRequest, p: Principal, { core }: SurfaceDeps) {
  if (p.userId === null) return
  const user = await core.directory.getUser(p.tenantId, p.userId).catch(notFoundAsNull)
  if (user?.disabled) throw mantleError(403, MESSAGES.disabled)
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

/**
 * Path segments Drupal's route patterns would not match are a route miss before anything else,
 * authentication included.
 */
export function checkRoute(req: FastifyRequest): void {
  const url = req.routeOptions.url ?? ''
  // The catch-all for segments past the router's parameter limit; creating for "current" is not a
  // route either.
  if (url.endsWith('/*')) throw routeMiss()
  const p = req.params as Params
  if (req.method === 'POST' && p.user === 'current' && /\/notifications\/?$/.test(url)) {
    throw routeMiss()
  }
  if (p.user !== undefined && parseSelector(p.user) === null) throw routeMiss()
  if (p.nid !== undefined && uuidOf(p.nid) === null) throw routeMiss()
}

async function lookup(core: Core, caller: Target['caller'], s: Selector): Promise<string | null> {
  const tenant = caller.tenantId
  if (s.kind === 'current') return caller.userId
  if (s.kind === 'username') {
    return (await core.directory.findUserByUsername(tenant, s.username))?.id ?? null
  }
  if (s.id === '0') return null
  // A caller with no directory record can still reach their own inbox by id.
  if (s.id === caller.userId) return s.id
  return (await core.directory.getUser(tenant, s.id).catch(notFoundAsNull))?.id ?? null
}

/** `findByAuthorized`: the authenticated caller, the target (404), then self or admin (403). */
export async function resolveTarget(core: Core, req: FastifyRequest): Promise<Target> {
  const selector = parseSelector((req.params as Params).user ?? '')
  if (!selector) throw routeMiss()
  const p = principalOf(req)
  if (p.userId === null) throw mantleError(401, MESSAGES.badToken)
  const caller = { ...p, userId: p.userId }
  const userId = await lookup(core, caller, selector)
  if (userId === null) throw mantleError(404, MESSAGES.notFound)
  if (userId !== caller.userId && !(await isAdmin(core, caller))) {
    throw mantleError(403, MESSAGES.forbidden)
  }
  return { caller, viewer: { tenantId: caller.tenantId, userId }, userId }
}

export const isAdmin = (core: Core, caller: Principal): Promise<boolean> =>
  core.directory.can(caller, 'administer users')
