import type { FastifyRequest } from 'fastify'
import type { Principal } from '../../../core/notification.ts'
import { jsonApiError } from './errors.ts'

const single = (v: string | string[] | undefined): string | undefined =>
  typeof v === 'string' ? v.trim() : undefined

/** Productive's credential: a Herald user token in `X-Auth-Token`. */
export const credential = (req: FastifyRequest): string | null =>
  single(req.headers['x-auth-token']) || null

/** `X-Organization-Id` must name the token's tenant: missing or another organization is 403. */
export function admit(req: FastifyRequest, principal: Principal): void {
  const org = single(req.headers['x-organization-id'])
  if (!org) {
    throw jsonApiError(403, 'Forbidden', 'Send your organization in X-Organization-Id.')
  }
  if (org !== principal.tenantId) {
    throw jsonApiError(403, 'Forbidden', `You are not a member of organization ${org}.`)
  }
}
