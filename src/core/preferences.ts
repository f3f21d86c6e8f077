import { HeraldError, invalid } from './errors.ts'
import type { Store, TenantPreferences, UserPreferences } from './store.ts'

export type { Category, Setting, TenantPreferences, UserPreferences } from './store.ts'

/**
 * What one preference document may hold, so every read and write of one is bounded, and the
 * send path never joins more than one type's and one category's settings.
 */
export const PREFERENCE_LIMITS = {
  /** Type settings in one document (a user's, or the tenant's defaults). */
  types: 200,
  /** Categories in one document (a user's settings, or the tenant's definitions). */
  categories: 50,
  /** Types one category names. */
  typesPerCategory: 200,
  /** Characters of a type, as in a send. */
  typeLength: 128,
  /** Characters of a category's name. */
  categoryLength: 64,
} as const

function checkNames(field: string, names: string[], max: number, maxLength: number) {
  if (names.length > max) throw invalid(field, `at most ${max} entries`)
  for (const n of names) {
    if (n.trim() === '' || n.length > maxLength) {
      throw invalid(`${field}.${n.slice(0, 64)}`, `a name of 1 to ${maxLength} characters`)
    }
  }
}

/** Bounds a schema cannot express (key lengths of a map), and a type in one category at most. */
function checkTenant(p: TenantPreferences) {
  const L = PREFERENCE_LIMITS
  checkNames('types', Object.keys(p.types), L.types, L.typeLength)
  checkNames('categories', Object.keys(p.categories), L.categories, L.categoryLength)
  const owner = new Map<string, string>()
  for (const [name, c] of Object.entries(p.categories)) {
    checkNames(`categories.${name}.types`, c.types, L.typesPerCategory, L.typeLength)
    for (const t of c.types) {
      const other = owner.get(t)
      if (other !== undefined && other !== name) {
        throw invalid(`categories.${name}.types`, `type "${t}" is already in category "${other}"`)
      }
      owner.set(t, name)
    }
  }
}

function checkUser(p: UserPreferences, tenant: TenantPreferences) {
  const L = PREFERENCE_LIMITS
  checkNames('types', Object.keys(p.types), L.types, L.typeLength)
  checkNames('categories', Object.keys(p.categories), L.categories, L.categoryLength)
  for (const name of Object.keys(p.categories)) {
    if (!(name in tenant.categories)) {
      throw invalid(`categories.${name.slice(0, 64)}`, 'the tenant has no category of this name')
    }
  }
}

/**
 * Whether a type reaches a user's inbox, by the rule the send path applies in SQL: the user's
 * setting for the type, else for its category, else the tenant's default for the type, else for
 * the category, else on. A critical send ignores all of it.
 */
export function inAppFor(type: string, user: UserPreferences, tenant: TenantPreferences): boolean {
  const category = Object.entries(tenant.categories).find(([, c]) => c.types.includes(type))
  return (
    user.types[type]?.inApp ??
    (category ? user.categories[category[0]]?.inApp : undefined) ??
    tenant.types[type]?.inApp ??
    category?.[1].inApp ??
    true
  )
}

/** Preferences: the tenant's categories and defaults, and each user's own settings. */
export function createPreferences({ store }: { store: Store }) {
  async function known(tenantId: string, userId: string) {
    if (!(await store.isKnownUser(tenantId, userId))) {
      throw new HeraldError('NOT_FOUND', 'user not found', { userId })
    }
  }

  return {
    tenant: (tenantId: string) => store.getTenantPreferences(tenantId),

    /** Replaces the tenant's categories and defaults; settings of removed categories go too. */
    async setTenant(tenantId: string, p: TenantPreferences): Promise<TenantPreferences> {
      checkTenant(p)
      await store.ensureTenant(tenantId)
      await store.setTenantPreferences(tenantId, p)
      return store.getTenantPreferences(tenantId)
    },

    /**
     * A user's settings, and the tenant's for reference. `mustExist`: the user must be in the
     * directory or have received a notification (a producer naming a user); a user's own token
     * is proof enough.
     */
    async user(tenantId: string, userId: string, mustExist: boolean) {
      if (mustExist) await known(tenantId, userId)
      const [own, defaults] = await Promise.all([
        store.getUserPreferences(tenantId, userId),
        store.getTenantPreferences(tenantId),
      ])
      return { ...own, defaults }
    },

    /** Replaces a user's settings. */
    async setUser(tenantId: string, userId: string, p: UserPreferences, mustExist: boolean) {
      if (mustExist) await known(tenantId, userId)
      const tenant = await store.getTenantPreferences(tenantId)
      checkUser(p, tenant)
      await store.ensureTenant(tenantId)
      await store.setUserPreferences(tenantId, userId, p)
      return { ...(await store.getUserPreferences(tenantId, userId)), defaults: tenant }
    },
  }
}

export type Preferences = ReturnType<typeof createPreferences>
