import type { FastifyRequest } from 'fastify'
import type { Directory } from '../../../core/directory.ts'
import type { Principal } from '../../../core/notification.ts'
import { invalidScope, unauthorized } from './errors.ts'

/** Kendo's permission names, spelled exactly as Kendo's role editor shows them. */
export const PERMISSION_UPDATE = 'Notifications: Update'
export const PERMISSION_DELETE = 'Notifications: Delete'

/** Laravel's bearerToken(): what follows the last "Bearer " (case-sensitive), up to a comma. */
export function credential(req: FastifyRequest): string | null {
  const header = req.headers.authorization
  const at = header?.lastIndexOf('Bearer ') ?? -1
  if (header === undefined || at < 0) return null
  const token = header.slice(at + 7).split(',')[0] ?? ''
  return token === '' ? null : token
}

/**
 * The Passport scope a request needs: GET needs read or write, anything else needs write. A token
 * without any scope claim holds both, so the plain `herald token` works; `*` is every scope.
 */
export function admit(req: FastifyRequest, p: Principal): void {
  const s = p.scopes
  if (s.length === 0 || s.includes('*') || s.includes('write')) return
  if (req.method === 'GET' && s.includes('read')) return
  throw invalidScope()
}

/** Kendo's policy check: admins pass, others need the permission (token scope or user record). */
export async function authorize(
  directory: Directory,
  principal: Principal,
  permission: string,
): Promise<void> {
  if (!(await directory.can(principal, permission))) throw unauthorized()
}
