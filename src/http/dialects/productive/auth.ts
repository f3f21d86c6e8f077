import type { FastifyRequest } from 'fastify'
import type { Authenticator } from '../../../auth/principal.ts'
import { isHeraldError } from '../../../core/errors.ts'
import type { Viewer } from '../../../core/inbox.ts'
import { JsonApiError } from './errors.ts'

const unauthorized = (detail: string) => new JsonApiError(401, 'Unauthorized', detail)

const single = (v: string | string[] | undefined): string | undefined =>
  typeof v === 'string' ? v.trim() : undefined

// Kept beside the request rather than on it, so no other surface's request type changes.
const viewers = new WeakMap<FastifyRequest, Viewer>()

/**
 * Productive's credential: `X-Auth-Token` (a Herald user token) and `X-Organization-Id`, which
 * must name the token's tenant. A missing or bad token is 401; another organization is 403.
 */
export function productiveAuth(auth: Authenticator) {
  return async (req: FastifyRequest): Promise<void> => {
    const token = single(req.headers['x-auth-token'])
    if (!token) throw unauthorized('Send your token in the X-Auth-Token header.')
    let principal: Awaited<ReturnType<Authenticator['credential']>>
    try {
      principal = await auth.credential(token)
    } catch (err) {
      if (isHeraldError(err) && err.code === 'UNAUTHENTICATED') {
        throw unauthorized(`The X-Auth-Token is not valid: ${err.message}.`)
      }
      throw err
    }
    // A server API key has no inbox of its own: to this dialect it is not a valid credential.
    if (principal.kind !== 'user' || principal.userId === null) {
      throw unauthorized('The X-Auth-Token is not a user token.')
    }
    const org = single(req.headers['x-organization-id'])
    if (!org) {
      throw new JsonApiError(403, 'Forbidden', 'Send your organization in X-Organization-Id.')
    }
    if (org !== principal.tenantId) {
      throw new JsonApiError(403, 'Forbidden', `You are not a member of organization ${org}.`)
    }
    viewers.set(req, { tenantId: principal.tenantId, userId: principal.userId })
  }
}

/** The caller authenticated by `productiveAuth` for this request. */
export function viewerOf(req: FastifyRequest): Viewer {
  const v = viewers.get(req)
  if (!v) throw unauthorized('Send your token in the X-Auth-Token header.')
  return v
}
