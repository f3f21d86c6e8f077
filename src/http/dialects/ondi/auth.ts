import type { FastifyRequest } from 'fastify'
import type { Core } from '../../../core/herald.ts'
import type { Viewer } from '../../../core/inbox.ts'
import { viewerOf as caller } from '../../surface.ts'
import { ondiError } from './errors.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v)

/** `Authorization: Bearer <token>`; anything else is no credential (401). */
export const credential = (req: FastifyRequest): string | null =>
  /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '')?.[1] ?? null

/**
 * The inbox the request is about: the token's user in the tenant `tenant_id` names (or the
 * token's own tenant when absent). Herald tokens always carry a tenant, so Ondi's "Tenant ID is
 * required" case cannot arise: a token without one already failed as 401.
 */
export async function viewerOf(core: Core, req: FastifyRequest): Promise<Viewer> {
  const v = caller(req)
  const raw = (req.query as Record<string, unknown> | undefined)?.tenant_id
  if (raw !== undefined && raw !== '') {
    if (!isUuid(raw)) throw ondiError(400, 'Invalid tenant ID')
    if (raw.toLowerCase() !== v.tenantId.toLowerCase()) {
      const exists =
        (await core.directory.tenantExists(raw)) ||
        (await core.directory.tenantExists(raw.toLowerCase()))
      throw exists ? ondiError(403, 'Forbidden') : tenantNotFound()
    }
  }
  if (!(await core.directory.tenantExists(v.tenantId))) throw tenantNotFound()
  return v
}

const tenantNotFound = () => ondiError(404, 'Tenant not found')
