import { type Kysely, sql } from 'kysely'
import type { ApiKeyInfo, ApiKeyStore } from '../auth/api-keys.ts'
import type { Database } from './schema.ts'
import { guard } from './store.ts'

interface Row {
  id: string
  name: string | null
  created_at: Date
  last_used_at: Date | null
  expires_at: Date | null
}

const toInfo = (r: Row): ApiKeyInfo => ({
  id: r.id,
  name: r.name,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  expiresAt: r.expires_at,
})

/** Server API keys (hashes only), for the authenticator. Every lookup by a tenant leads with it. */
export function createApiKeyStore(db: Kysely<Database>): ApiKeyStore {
  const working = (now: Date) => sql<boolean>`(expires_at IS NULL OR expires_at > ${now})`
  return {
    insert: guard(async (k) => {
      await db.transaction().execute(async (tx) => {
        await tx
          .insertInto('tenants')
          .values({ id: k.tenantId, name: null })
          .onConflict((oc) => oc.doNothing())
          .execute()
        await tx
          .insertInto('api_keys')
          .values({
            id: k.id,
            tenant_id: k.tenantId,
            hash: k.hash,
            name: k.name,
            created_at: k.createdAt,
          })
          .execute()
      })
    }),
    find: guard(async (id) => {
      const row = await db
        .selectFrom('api_keys')
        .select(['tenant_id', 'hash', 'last_used_at', 'expires_at'])
        .where('id', '=', id)
        .executeTakeFirst()
      return row
        ? {
            tenantId: row.tenant_id,
            hash: row.hash,
            lastUsedAt: row.last_used_at,
            expiresAt: row.expires_at,
          }
        : null
    }),
    touch: guard(async (id, at, ifBefore) => {
      await db
        .updateTable('api_keys')
        .set({ last_used_at: at })
        .where('id', '=', id)
        .where((w) => w.or([w('last_used_at', 'is', null), w('last_used_at', '<=', ifBefore)]))
        .execute()
    }),
    list: guard(async (tenantId, after, limit, now) => {
      let q = db
        .selectFrom('api_keys')
        .select(['id', 'name', 'created_at', 'last_used_at', 'expires_at'])
        .where('tenant_id', '=', tenantId)
        .where(working(now))
      if (after) q = q.where(sql<boolean>`(created_at, id) > (${after.createdAt}, ${after.id})`)
      const rows = await q.orderBy('created_at').orderBy('id').limit(limit).execute()
      return rows.map(toInfo)
    }),
    remove: guard(async (tenantId, id, now) => {
      const gone = await db
        .deleteFrom('api_keys')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where(working(now))
        .returning('id')
        .executeTakeFirst()
      return gone !== undefined
    }),
    rotate: guard(async (tenantId, id, successor, now, expiresAt) =>
      db.transaction().execute(async (tx) => {
        await tx
          .deleteFrom('api_keys')
          .where('tenant_id', '=', tenantId)
          .where('expires_at', '<=', now)
          .execute()
        const old = await tx
          .updateTable('api_keys')
          .set({ expires_at: expiresAt })
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .where('expires_at', 'is', null)
          .returning('name')
          .executeTakeFirst()
        if (!old) {
          const retiring = await tx
            .selectFrom('api_keys')
            .select('expires_at')
            .where('tenant_id', '=', tenantId)
            .where('id', '=', id)
            .executeTakeFirst()
          return retiring?.expires_at
            ? { status: 'retiring' as const, expiresAt: retiring.expires_at }
            : { status: 'missing' as const }
        }
        const name = successor.name ?? old.name
        await tx
          .insertInto('api_keys')
          .values({
            id: successor.id,
            tenant_id: tenantId,
            hash: successor.hash,
            name,
            created_at: now,
          })
          .execute()
        return { status: 'rotated' as const, name }
      }),
    ),
  }
}
