import { type Kysely, type Migration, sql } from 'kysely'

/**
 * "Mark all read" as one row write. `read_marks` holds each user's read-up-to point: the
 * tenant's event number (`tenants.event_seq`, migration 0003) when they last marked everything
 * read, and when. A notification whose `seq` is at or below it is read and seen, unless its
 * `own_state` says its own `read_at`/`seen_at` decide (set when it is marked unread or unseen
 * below the mark, or kept out of a mark-all that skips dismissed or snoozed ones). Event numbers
 * are handed out under the tenant row's lock, so one read of `event_seq` covers only committed
 * sends. Rows from before 0003 had no number: they get 0, older than any mark, and so does a
 * row written without one (only test and benchmark fixtures do; every send numbers its rows).
 *
 * Indexes: the not-yet-read-or-seen rows by event number (counts of what is past the mark are a
 * range of it; the columns a mark-all reads of the rows it covers are included, so it walks the
 * index alone), and the two small sets a mark-all or a count visits row by row: rows with their
 * own state, and dismissed or snoozed rows still following the mark.
 */
export const readWatermark: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE read_marks (
      tenant_id text NOT NULL,
      user_id text NOT NULL,
      up_to bigint NOT NULL,
      at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, user_id)
    )`.execute(db)
    await sql`ALTER TABLE notifications ADD COLUMN own_state boolean NOT NULL DEFAULT false`.execute(
      db,
    )
    await sql`UPDATE notifications SET seq = 0 WHERE seq IS NULL`.execute(db)
    await sql`ALTER TABLE notifications ALTER COLUMN seq SET DEFAULT 0`.execute(db)
    await sql`ALTER TABLE notifications ALTER COLUMN seq SET NOT NULL`.execute(db)
    await sql`CREATE INDEX notifications_open_seq ON notifications (tenant_id, recipient_id, seq)
      INCLUDE (read_at, seen_at, own_state, expires_at)
      WHERE (read_at IS NULL OR seen_at IS NULL) AND archived_at IS NULL`.execute(db)
    await sql`CREATE INDEX notifications_own_state ON notifications (tenant_id, recipient_id, seq)
      WHERE own_state`.execute(db)
    await sql`CREATE INDEX notifications_hidden ON notifications (tenant_id, recipient_id, seq)
      WHERE (archived_at IS NOT NULL OR snoozed_until IS NOT NULL) AND NOT own_state`.execute(db)
  },
}
