import { type Kysely, type Migration, sql } from 'kysely'

/**
 * Notification preferences, and the tenant's past recipients.
 *
 * - `preference_categories`: the tenant's named sets of types, each with its default (null: none).
 * - `tenant_preferences`: the tenant's default per type.
 * - `user_preferences`: one row per user setting, a type's or a category's. The send path reads
 *   the rows of one type and one category for the whole tenant at once (a set, joined to the
 *   recipients), hence the second index leading with the name.
 * - `recipients`: every user a send ever named, so a send to the whole tenant reaches them even
 *   when the tenant's backend never created them with PUT /v1/users. Filled from the
 *   notifications already stored.
 */
export const preferences: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE preference_categories (
      tenant_id text NOT NULL,
      name text NOT NULL,
      types text[] NOT NULL,
      in_app boolean,
      PRIMARY KEY (tenant_id, name)
    )`.execute(db)
    await sql`CREATE TABLE tenant_preferences (
      tenant_id text NOT NULL,
      type text NOT NULL,
      in_app boolean NOT NULL,
      PRIMARY KEY (tenant_id, type)
    )`.execute(db)
    await sql`CREATE TABLE user_preferences (
      tenant_id text NOT NULL,
      user_id text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('type', 'category')),
      name text NOT NULL,
      in_app boolean NOT NULL,
      PRIMARY KEY (tenant_id, user_id, kind, name)
    )`.execute(db)
    await sql`CREATE INDEX user_preferences_by_name
      ON user_preferences (tenant_id, kind, name, user_id)`.execute(db)
    await sql`CREATE TABLE recipients (
      tenant_id text NOT NULL,
      user_id text NOT NULL,
      PRIMARY KEY (tenant_id, user_id)
    )`.execute(db)
    await sql`INSERT INTO recipients (tenant_id, user_id)
      SELECT DISTINCT tenant_id, recipient_id FROM notifications`.execute(db)
  },
}
