import { HeraldError, invalid } from './errors.ts'
import type { EventBus } from './events.ts'
import type { Principal, User } from './notification.ts'
import type { Store, UserInput } from './store.ts'

export interface DirectoryDeps {
  store: Store
  /** Where a deleted user's emptied inbox is announced (streams, inbox versions). */
  events: EventBus
  clock: () => Date
  /**
   * Whether admins may act on other users' inboxes where a surface's contract gives them that
   * reach (Mantle2's user routes). Off, an admin reaches only their own inbox, like anyone else.
   */
  adminReach?: boolean
}

/** Producer-side management of a tenant's users and topic subscriptions. */
export function createDirectory({ store, events, clock, adminReach = true }: DirectoryDeps) {
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
    // Their notifications went with them: what was polled or streamed of their inbox is gone.
    events.publish({
      type: 'notifications.deleted',
      tenantId,
      userId: id,
      at: clock().toISOString(),
    })
  }

  /**
   * Which of these users were deleted, and when (the latest time): a surface whose actors vanish
   * with their user (Kendo) hides the actor of what they did before it. Ids never deleted, or
   * never registered at all, are absent. Called with one page's actors.
   */
  const deletedUsers = (tenantId: string, ids: string[]): Promise<Map<string, Date>> =>
    store.deletedUsers(tenantId, [...new Set(ids)])

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

  /**
   * Whether the principal may read and change another user's inbox on a surface that offers that
   * reach: only when the deployment allows it, and only to holders of `permission`. Admin status
   * comes from the tenant's own backend alone: its signed token claims, or the user record it set
   * through the producer API.
   */
  async function reachesOthers(p: Principal, permission: string): Promise<boolean> {
    return adminReach && (await can(p, permission))
  }

  return {
    upsertUser,
    getUser,
    deleteUser,
    deletedUsers,
    listUsers: store.listUsers,
    findUserByUsername: store.findUserByUsername,
    subscribe,
    subscribers: store.listSubscribers,
    tenantExists: store.tenantExists,
    can,
    reachesOthers,
  }
}

export type Directory = ReturnType<typeof createDirectory>
