import { type Kysely, type Migration, sql } from 'kysely'

/**
 * The background clean-up's two lookups: idempotency keys by age (the oldest first, a chunk at a
 * time), and "does any notification still point at this message" for each message it walks.
 */
export const cleanupIndexes: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)`.execute(db)
    await sql`CREATE INDEX notifications_message
      ON notifications (tenant_id, message_id)`.execute(db)
  },
}
