import type { Authenticator } from '../../../auth/principal.ts'
import type { Directory } from '../../../core/directory.ts'
import { isHeraldError } from '../../../core/errors.ts'
import type { Viewer } from '../../../core/inbox.ts'
import type { Principal } from '../../../core/notification.ts'
import { invalidScope, unauthenticated, unauthorized } from './errors.ts'

/** Kendo's permission names, spelled exactly as Kendo's role editor shows them. */
export const PERMISSION_UPDATE = 'Notifications: Update'
export const PERMISSION_DELETE = 'Notifications: Delete'

/** The Passport scope a request needs: GET needs read or write, anything else needs write. */
export type ScopeNeed = 'read' | 'write'

/** Laravel's bearerToken(): what follows the last "Bearer " (case-sensitive), up to a comma. */
function bearerToken(header: string | undefined): string | null {
  const at = header?.lastIndexOf('Bearer ') ?? -1
  if (header === undefined || at < 0) return null
  const token = header.slice(at + 7).split(',')[0] ?? ''
  return token === '' ? null : token
}

/**
 * A token without any scope claim is treated as holding both `read` and `write`, so the plain
 * `herald token` works; `*` is Passport's every-scope wildcard.
 */
function hasScope(p: Principal, need: ScopeNeed): boolean {
  const s = p.scopes
  if (s.length === 0 || s.includes('*') || s.includes('write')) return true
  return need === 'read' && s.includes('read')
}

/** The caller as a user of one tenant; 401 for anything else, 403 when the scope is missing. */
export async function authenticate(
  auth: Authenticator,
  header: string | undefined,
  need: ScopeNeed,
): Promise<{ principal: Principal; viewer: Viewer }> {
  const token = bearerToken(header)
  if (token === null) throw unauthenticated()
  let principal: Principal
  try {
    principal = await auth.credential(token)
  } catch (err) {
    if (isHeraldError(err) && err.code === 'UNAUTHENTICATED') throw unauthenticated()
    throw err
  }
  // A server API key (or operator token) is nobody's inbox: Kendo only knows user tokens.
  if (principal.kind !== 'user' || principal.userId === null) throw unauthenticated()
  if (!hasScope(principal, need)) throw invalidScope()
  return { principal, viewer: { tenantId: principal.tenantId, userId: principal.userId } }
}

/** Kendo's policy check: admins pass, others need the permission (token scope or user record). */
export async function authorize(
  directory: Directory,
  principal: Principal,
  permission: string,
): Promise<void> {
  if (!(await directory.can(principal, permission))) throw unauthorized()
}
