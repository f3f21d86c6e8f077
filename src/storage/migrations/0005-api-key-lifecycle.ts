import { type Kysely, type Migration, sql } from 'kysely'

/**
 * API keys an operator can manage: when each was last used (written at most once a minute per
 * key, on a verification that missed the cache), and until when a key rotated out keeps working
 * (null: until revoked). Listing a tenant's keys walks its own index in creation order, with a
 * cursor of (created_at, id) as JavaScript holds times: to the millisecond, which is what keys
 * are now stored with, and what older ones are cut to here.
 */
export const apiKeyLifecycle: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`ALTER TABLE api_keys ADD COLUMN last_used_at timestamptz`.execute(db)
    await sql`ALTER TABLE api_keys ADD COLUMN expires_at timestamptz`.execute(db)
    await sql`UPDATE api_keys SET created_at = date_trunc('milliseconds', created_at)`.execute(db)
    await sql`CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at, id)`.execute(db)
  },
}
