import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { type Static, Type as T } from 'typebox'
import { PREFERENCE_LIMITS as L } from '../../../core/preferences.ts'
import { type SurfaceDeps, tenantOf, viewerOf } from '../../surface.ts'
import { BODY_ERRORS, COMMON_ERRORS, errorAnswers, Id } from '../schemas.ts'

const Setting = T.Object(
  { inApp: T.Boolean({ description: 'Whether these notifications reach the inbox' }) },
  { additionalProperties: false, title: 'PreferenceSetting', description: 'On or off' },
)

/** A map from a name to a setting, with its names and its size bounded. */
const settings = (max: number, maxLength: number, description: string) =>
  T.Record(T.String(), Setting, {
    maxProperties: max,
    propertyNames: { minLength: 1, maxLength },
    description: `${description} (at most ${max}, names of 1 to ${maxLength} characters)`,
  })

const UserTypes = settings(L.types, L.typeLength, 'Settings by notification type')
const UserCategories = settings(
  L.categories,
  L.categoryLength,
  "Settings by category, one of the tenant's",
)

const Category = T.Object(
  {
    types: T.Array(T.String({ minLength: 1, maxLength: L.typeLength }), {
      maxItems: L.typesPerCategory,
      description: 'The notification types it holds; a type is in one category at most',
    }),
    // A type list, not a union: with type coercion on, ajv would turn null into false while trying
    // the boolean branch of a union.
    inApp: T.Unsafe<boolean | null>({
      type: ['boolean', 'null'],
      description: "The tenant's default for its types; null: none (on, unless a type says)",
    }),
  },
  { additionalProperties: false, title: 'PreferenceCategory', description: 'A named set of types' },
)

const TenantPreferences = T.Object(
  {
    categories: T.Record(T.String(), Category, {
      maxProperties: L.categories,
      propertyNames: { minLength: 1, maxLength: L.categoryLength },
      description: `The categories by name (at most ${L.categories})`,
    }),
    types: settings(L.types, L.typeLength, 'Defaults by notification type'),
  },
  {
    additionalProperties: false,
    title: 'TenantPreferences',
    description:
      "The tenant's categories and defaults: what each user gets unless they set otherwise",
  },
)

const UserPreferencesIn = T.Object(
  { types: T.Optional(UserTypes), categories: T.Optional(UserCategories) },
  {
    additionalProperties: false,
    title: 'UserPreferencesInput',
    description: "A user's settings; they replace the earlier ones (absent: none)",
  },
)

const UserPreferencesOut = T.Object(
  { types: UserTypes, categories: UserCategories, defaults: TenantPreferences },
  {
    title: 'UserPreferences',
    description:
      "A user's own settings, and the tenant's categories and defaults. A type reaches the inbox by the user's setting for the type, else for its category, else the tenant's default for the type, else for its category, else it does; a critical send always does",
  },
)

const errors = errorAnswers(...COMMON_ERRORS)
const bodyErrors = errorAnswers(...COMMON_ERRORS, ...BODY_ERRORS)
const user = { security: [{ userToken: [] }], tags: ['inbox'] }
const server = { security: [{ apiKey: [] }], tags: ['producer'] }
const byUser = { needs: 'user' as const }
const byServer = { needs: 'server' as const }
const UserParams = T.Object({ userId: Id })

type Settings = Static<typeof UserTypes>
const input = (b: { types?: Settings; categories?: Settings }) => ({
  types: b.types ?? {},
  categories: b.categories ?? {},
})

/** Preferences: a user's own (user token), any user's and the tenant's defaults (API key). */
export const preferenceRoutes: FastifyPluginAsyncTypebox<SurfaceDeps> = async (app, { core }) => {
  const { preferences } = core

  app.get(
    '/me/preferences',
    {
      config: byUser,
      schema: {
        ...user,
        operationId: 'getMyPreferences',
        summary: "The caller's notification preferences",
        response: { 200: UserPreferencesOut, ...errors },
      },
    },
    async (req) => {
      const v = viewerOf(req)
      return preferences.user(v.tenantId, v.userId, false)
    },
  )

  app.put(
    '/me/preferences',
    {
      config: byUser,
      schema: {
        ...user,
        operationId: 'putMyPreferences',
        summary: "Replace the caller's notification preferences",
        body: UserPreferencesIn,
        response: { 200: UserPreferencesOut, ...bodyErrors },
      },
    },
    async (req) => {
      const v = viewerOf(req)
      return preferences.setUser(v.tenantId, v.userId, input(req.body), false)
    },
  )

  app.get(
    '/users/:userId/preferences',
    {
      config: byServer,
      schema: {
        ...server,
        operationId: 'getUserPreferences',
        summary: "A user's notification preferences",
        params: UserParams,
        response: { 200: UserPreferencesOut, ...errorAnswers(...COMMON_ERRORS, 404) },
      },
    },
    async (req) => preferences.user(tenantOf(req), req.params.userId, true),
  )

  app.put(
    '/users/:userId/preferences',
    {
      config: byServer,
      schema: {
        ...server,
        operationId: 'putUserPreferences',
        summary: "Replace a user's notification preferences",
        description:
          'The user must be in the directory (PUT /v1/users/{userId}) or have been sent a notification; otherwise 404',
        params: UserParams,
        body: UserPreferencesIn,
        response: {
          200: UserPreferencesOut,
          ...errorAnswers(...COMMON_ERRORS, ...BODY_ERRORS, 404),
        },
      },
    },
    async (req) => preferences.setUser(tenantOf(req), req.params.userId, input(req.body), true),
  )

  app.get(
    '/preferences',
    {
      config: byServer,
      schema: {
        ...server,
        operationId: 'getTenantPreferences',
        summary: "The tenant's preference categories and defaults",
        response: { 200: TenantPreferences, ...errors },
      },
    },
    async (req) => preferences.tenant(tenantOf(req)),
  )

  app.put(
    '/preferences',
    {
      config: byServer,
      schema: {
        ...server,
        operationId: 'putTenantPreferences',
        summary: "Replace the tenant's preference categories and defaults",
        description:
          "Users' settings for categories that are no longer listed are removed with them",
        body: TenantPreferences,
        response: { 200: TenantPreferences, ...bodyErrors },
      },
    },
    async (req) => preferences.setTenant(tenantOf(req), req.body),
  )
}
