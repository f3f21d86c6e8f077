import { type Kysely, type Migration, sql } from 'kysely'

/**
 * Stream events in commit order. Each send takes the next number of its tenant's `event_seq`
 * inside its own transaction: the row lock it takes holds until commit, so within a tenant a
 * larger number always commits later, and a stream that has delivered up to N can ask the store
 * for everything after N and find no hole. Rows from before this migration have no number and are
 * never replayed (a client reconnecting with an older id is told to refetch).
 */
export const eventOrder: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`ALTER TABLE tenants ADD COLUMN event_seq bigint NOT NULL DEFAULT 0`.execute(db)
    await sql`ALTER TABLE notifications ADD COLUMN seq bigint`.execute(db)
    await sql`CREATE INDEX notifications_seq ON notifications (tenant_id, recipient_id, seq)
      WHERE seq IS NOT NULL`.execute(db)
  },
}
