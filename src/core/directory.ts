import { HeraldError, invalid } from './errors.ts'
import type { Principal, User } from './notification.ts'
import type { Store, UserInput } from './store.ts'

/** Producer-side management of a tenant's users and topic subscriptions. */
export function createDirectory({ store }: { store: Store }) {
  async function upsertUser(input: UserInput): Promise<User> {
    if (input.id.trim() === '') throw invalid('id', 'must not be empty')
    await store.ensureTenant(input.tenantId)
    return store.upsertUser(input)
  }

  async function getUser(tenantId: string, id: string): Promise<User> {
    const user = await store.getUser(tenantId, id)
    if (!user) throw new HeraldError('NOT_FOUND', 'user not found', { userId: id })
    return user
  }

  async function deleteUser(tenantId: string, id: string): Promise<void> {
    if (!(await store.deleteUser(tenantId, id))) {
      throw new HeraldError('NOT_FOUND', 'user not found', { userId: id })
    }
  }

  async function subscribe(tenantId: string, topic: string, add: string[], remove: string[]) {
    await store.ensureTenant(tenantId)
    await store.setSubscriptions(tenantId, topic, add, remove)
    return store.listSubscribers(tenantId, topic)
  }

  /**
   * Whether the principal holds a permission: admins hold every one; otherwise the token's scopes
   * or the user's stored permissions must name it.
   */
  async function can(p: Principal, permission: string): Promise<boolean> {
    if (p.roles.includes('admin') || p.scopes.includes(permission)) return true
    if (p.userId === null) return p.kind === 'server'
    const user = await store.getUser(p.tenantId, p.userId)
    return user !== null && (user.admin || user.permissions.includes(permission))
  }

  return {
    upsertUser,
    getUser,
    deleteUser,
    listUsers: store.listUsers,
    findUserByUsername: store.findUserByUsername,
    subscribe,
    subscribers: store.listSubscribers,
    tenantExists: store.tenantExists,
    can,
  }
}

export type Directory = ReturnType<typeof createDirectory>
