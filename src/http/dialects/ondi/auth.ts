import type { FastifyRequest } from 'fastify'
import type { Authenticator } from '../../../auth/principal.ts'
import { isHeraldError } from '../../../core/errors.ts'
import type { Core } from '../../../core/herald.ts'
import type { Viewer } from '../../../core/inbox.ts'
import type { Principal } from '../../../core/notification.ts'
import { OndiError, unauthorized } from './errors.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v)

/** Principals verified by the onRequest hook, kept per request without decorating it. */
const verified = new WeakMap<FastifyRequest, Principal>()

/** Verifies `Authorization: Bearer <token>`; anything else, or a server API key, is 401. */
export async function authenticate(auth: Authenticator, req: FastifyRequest): Promise<void> {
  const match = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '')
  if (!match?.[1]) throw unauthorized()
  let principal: Principal
  try {
    principal = await auth.credential(match[1])
  } catch (err) {
    if (isHeraldError(err) && err.code === 'UNAUTHENTICATED') throw unauthorized()
    throw err
  }
  // A server API key (or operator token) is not a user: it has no inbox to show.
  if (principal.kind !== 'user' || principal.userId === null) throw unauthorized()
  verified.set(req, principal)
}

/**
 * The inbox the request is about: the token's user in the tenant `tenant_id` names (or the
 * token's own tenant when absent). Herald tokens always carry a tenant, so Ondi's "Tenant ID is
 * required" case cannot arise: a token without one already failed as 401.
 */
export async function viewerOf(core: Core, req: FastifyRequest): Promise<Viewer> {
  const principal = verified.get(req)
  if (!principal?.userId) throw unauthorized()
  const raw = (req.query as Record<string, unknown> | undefined)?.tenant_id
  const own = principal.tenantId
  if (raw !== undefined && raw !== '') {
    if (!isUuid(raw)) throw new OndiError(400, 'Invalid tenant ID')
    if (raw.toLowerCase() !== own.toLowerCase()) {
      const exists =
        (await core.directory.tenantExists(raw)) ||
        (await core.directory.tenantExists(raw.toLowerCase()))
      throw exists ? new OndiError(403, 'Forbidden') : tenantNotFound()
    }
  }
  if (!(await core.directory.tenantExists(own))) throw tenantNotFound()
  return { tenantId: own, userId: principal.userId }
}

const tenantNotFound = () => new OndiError(404, 'Tenant not found')
