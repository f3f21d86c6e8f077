import { type Kysely, sql } from 'kysely'
import type { Setting, TenantPreferences, UserPreferences } from '../core/preferences.ts'
import type { Database } from './schema.ts'

export async function isKnownUser(db: Kysely<Database>, tenantId: string, userId: string) {
  const { rows } = await sql<{ known: boolean }>`SELECT
      EXISTS (SELECT 1 FROM users WHERE tenant_id = ${tenantId} AND id = ${userId})
      OR EXISTS (SELECT 1 FROM recipients WHERE tenant_id = ${tenantId} AND user_id = ${userId})
      AS known`.execute(db)
  return rows[0]?.known === true
}

export async function getTenantPreferences(
  db: Kysely<Database>,
  tenantId: string,
): Promise<TenantPreferences> {
  const [categories, types] = await Promise.all([
    db
      .selectFrom('preference_categories')
      .select(['name', 'types', 'in_app'])
      .where('tenant_id', '=', tenantId)
      .orderBy('name')
      .execute(),
    db
      .selectFrom('tenant_preferences')
      .select(['type', 'in_app'])
      .where('tenant_id', '=', tenantId)
      .orderBy('type')
      .execute(),
  ])
  return {
    categories: Object.fromEntries(
      categories.map((c) => [c.name, { types: c.types, inApp: c.in_app }]),
    ),
    types: Object.fromEntries(types.map((t) => [t.type, { inApp: t.in_app }])),
  }
}

export async function setTenantPreferences(
  db: Kysely<Database>,
  tenantId: string,
  p: TenantPreferences,
) {
  const categories = Object.entries(p.categories)
  const types = Object.entries(p.types)
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('preference_categories').where('tenant_id', '=', tenantId).execute()
    await tx.deleteFrom('tenant_preferences').where('tenant_id', '=', tenantId).execute()
    if (categories.length > 0) {
      await tx
        .insertInto('preference_categories')
        .values(
          categories.map(([name, c]) => ({
            tenant_id: tenantId,
            name,
            types: [...new Set(c.types)],
            in_app: c.inApp,
          })),
        )
        // A concurrent replacement may have written the same rows: the last one wins.
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'name']).doUpdateSet({
            types: (eb) => eb.ref('excluded.types'),
            in_app: (eb) => eb.ref('excluded.in_app'),
          }),
        )
        .execute()
    }
    if (types.length > 0) {
      await tx
        .insertInto('tenant_preferences')
        .values(types.map(([type, s]) => ({ tenant_id: tenantId, type, in_app: s.inApp })))
        .onConflict((oc) =>
          oc
            .columns(['tenant_id', 'type'])
            .doUpdateSet({ in_app: (eb) => eb.ref('excluded.in_app') }),
        )
        .execute()
    }
    // A user's setting for a category the tenant no longer has would mean nothing: it goes.
    await sql`DELETE FROM user_preferences WHERE tenant_id = ${tenantId} AND kind = 'category'
      AND name <> ALL(${categories.map(([name]) => name)}::text[])`.execute(tx)
  })
}

export async function getUserPreferences(
  db: Kysely<Database>,
  tenantId: string,
  userId: string,
): Promise<UserPreferences> {
  const rows = await db
    .selectFrom('user_preferences')
    .select(['kind', 'name', 'in_app'])
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .orderBy('kind')
    .orderBy('name')
    .execute()
  const of = (kind: 'type' | 'category'): Record<string, Setting> =>
    Object.fromEntries(
      rows.filter((r) => r.kind === kind).map((r) => [r.name, { inApp: r.in_app }]),
    )
  return { types: of('type'), categories: of('category') }
}

export async function setUserPreferences(
  db: Kysely<Database>,
  tenantId: string,
  userId: string,
  p: UserPreferences,
) {
  const row =
    (kind: 'type' | 'category') =>
    ([name, s]: [string, Setting]) => ({
      tenant_id: tenantId,
      user_id: userId,
      kind,
      name,
      in_app: s.inApp,
    })
  const rows = [
    ...Object.entries(p.types).map(row('type')),
    ...Object.entries(p.categories).map(row('category')),
  ]
  await db.transaction().execute(async (tx) => {
    await tx
      .deleteFrom('user_preferences')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .execute()
    if (rows.length === 0) return
    await tx
      .insertInto('user_preferences')
      .values(rows)
      // A concurrent replacement may have written the same rows: the last one wins.
      .onConflict((oc) =>
        oc
          .columns(['tenant_id', 'user_id', 'kind', 'name'])
          .doUpdateSet({ in_app: (eb) => eb.ref('excluded.in_app') }),
      )
      .execute()
  })
}
