import { type Kysely, type Migration, sql } from 'kysely'

/**
 * Broadcasts: a send to a whole tenant or a topic with at least `HERALD_BROADCAST_MIN` members is
 * one `broadcasts` row, not a row per member. Each member's next read copies the broadcasts they
 * have not had yet into their own `notifications` rows (`storage/broadcast-store.ts`).
 *
 * - `broadcasts` is keyed by the send's event number (`seq`), which the tenant's row lock makes
 *   commit-ordered: a reader that sees number N has seen every broadcast below it.
 * - `broadcast_cursors`: the last broadcast number each user has been given.
 * - `notifications.broadcast_seq`: which broadcast a row came from; unique per recipient, so two
 *   reads racing to copy the same broadcast for the same user leave one row. The index is
 *   partial: ordinary rows pay nothing for it.
 * - `recipients.created_at`: since when a past recipient belongs to the tenant's audience (rows
 *   that exist already get the migration's time), as `users.created_at` and
 *   `topic_subscriptions.created_at` say for the directory and for topics.
 */
export const broadcasts: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE broadcasts (
      tenant_id text NOT NULL,
      seq bigint NOT NULL,
      message_id bigint NOT NULL,
      topic text,
      type text NOT NULL,
      critical boolean NOT NULL,
      sent_at timestamptz NOT NULL DEFAULT now(),
      created_at timestamptz NOT NULL,
      seen_at timestamptz,
      read_at timestamptz,
      archived_at timestamptz,
      snoozed_until timestamptz,
      expires_at timestamptz,
      last_action_at timestamptz,
      PRIMARY KEY (tenant_id, seq)
    )`.execute(db)
    await sql`CREATE INDEX broadcasts_message ON broadcasts (tenant_id, message_id)`.execute(db)
    await sql`CREATE TABLE broadcast_cursors (
      tenant_id text NOT NULL,
      user_id text NOT NULL,
      seq bigint NOT NULL,
      PRIMARY KEY (tenant_id, user_id)
    )`.execute(db)
    await sql`ALTER TABLE notifications ADD COLUMN broadcast_seq bigint`.execute(db)
    await sql`CREATE UNIQUE INDEX notifications_broadcast
      ON notifications (tenant_id, recipient_id, broadcast_seq)
      WHERE broadcast_seq IS NOT NULL`.execute(db)
    await sql`ALTER TABLE recipients
      ADD COLUMN created_at timestamptz NOT NULL DEFAULT now()`.execute(db)
  },
}
