import type { Kysely } from 'kysely'
import type { ApiKeyStore } from '../auth/api-keys.ts'
import type { Database } from './schema.ts'
import { guard } from './store.ts'

/** Server API keys (hashes only), for the authenticator. */
export function createApiKeyStore(db: Kysely<Database>): ApiKeyStore {
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
          .values({ id: k.id, tenant_id: k.tenantId, hash: k.hash, name: k.name })
          .execute()
      })
    }),
    find: guard(async (id) => {
      const row = await db
        .selectFrom('api_keys')
        .select(['tenant_id', 'hash'])
        .where('id', '=', id)
        .executeTakeFirst()
      return row ? { tenantId: row.tenant_id, hash: row.hash } : null
    }),
  }
}
