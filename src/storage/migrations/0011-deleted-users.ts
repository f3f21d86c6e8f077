import { type Kysely, type Migration, sql } from 'kysely'

/**
 * When each user of a tenant was deleted (`DELETE /v1/users/{id}`): Kendo renders the actor of a
 * notification made before then as null, while messages keep the actor's snapshot for the surfaces
 * whose contracts show it. One row per deleted user, looked up by its key a page of actors at a time.
 */
export const deletedUsers: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE deleted_users (
      tenant_id text NOT NULL,
      user_id text NOT NULL,
      deleted_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, user_id)
    )`.execute(db)
  },
}
