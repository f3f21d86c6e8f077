import { type Kysely, type Migration, sql } from 'kysely'

/**
 * "Unseen" counts (no `seen_at`, not dismissed) had no index of their own: once a heavy inbox was
 * all seen, a capped unseen count walked every one of the user's rows to find none (135 ms for
 * 100,000 rows). This partial index serves it the way `notifications_unread` serves unread counts.
 */
export const unseenIndex: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE INDEX notifications_unseen
      ON notifications (tenant_id, recipient_id, created_at DESC, id DESC)
      WHERE seen_at IS NULL AND archived_at IS NULL`.execute(db)
  },
}
