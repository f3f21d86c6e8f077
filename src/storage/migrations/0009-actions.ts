import { type Kysely, type Migration, sql } from 'kysely'

/** A notification's action buttons (at most two), stored once per send with its content. */
export const actions: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`ALTER TABLE messages ADD COLUMN actions jsonb`.execute(db)
  },
}
