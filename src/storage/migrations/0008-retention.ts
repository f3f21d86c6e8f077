import { type Kysely, type Migration, sql } from 'kysely'

/**
 * Retention: each tenant's policy, and the three lookups its purge makes a chunk at a time, each
 * led by the tenant: expired notifications by expiry, read or dismissed ones by when that first
 * happened, and any notification by age.
 */
export const retention: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE retention_policies (
      tenant_id text PRIMARY KEY,
      read_days integer CHECK (read_days > 0),
      all_days integer CHECK (all_days > 0),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
    await sql`CREATE INDEX notifications_expiry ON notifications (tenant_id, expires_at)
      WHERE expires_at IS NOT NULL`.execute(db)
    await sql`CREATE INDEX notifications_done
      ON notifications (tenant_id, (LEAST(read_at, archived_at)))
      WHERE read_at IS NOT NULL OR archived_at IS NOT NULL`.execute(db)
    await sql`CREATE INDEX notifications_age ON notifications (tenant_id, created_at)`.execute(db)
  },
}
