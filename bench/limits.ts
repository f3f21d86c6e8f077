import { type Kysely, sql } from 'kysely'
import type { Database } from '../src/storage/schema.ts'
import { TENANT, userId } from './seed.ts'

/** A message to hang limit-test rows on, as a send would create first. */
async function message(db: Kysely<Database>, title: string): Promise<number> {
  const { rows } = await sql<{ id: number }>`INSERT INTO messages (tenant_id, type, title)
    VALUES (${TENANT}, 'comment', ${title}) RETURNING id`.execute(db)
  return Number(rows[0]?.id)
}

/**
 * Single-row commits per second: one notification row per autocommit INSERT, from as many
 * concurrent sessions as Herald's pool has (PGlite has one session, so there they queue).
 */
export async function singleRowCommits(
  db: Kysely<Database>,
  seconds: number,
  sessions: number,
): Promise<{ perSecond: number; messageId: number }> {
  const messageId = await message(db, 'single-row commit limit')
  let done = 0
  const end = performance.now() + seconds * 1000
  const started = performance.now()
  const worker = async (w: number) => {
    for (let i = 0; performance.now() < end; i++) {
      await sql`INSERT INTO notifications (tenant_id, recipient_id, message_id, type, created_at)
        VALUES (${TENANT}, ${userId(1 + ((w * 7919 + i) % 9_999))}, ${messageId}, 'comment',
          ${new Date()})`.execute(db)
      done++
    }
  }
  await Promise.all(Array.from({ length: sessions }, (_, w) => worker(w)))
  return { perSecond: done / ((performance.now() - started) / 1000), messageId }
}

/** The same rows a 50,000-recipient send writes, in one plain INSERT … SELECT: the ceiling. */
export async function rawInsert(
  db: Kysely<Database>,
  recipients: number,
): Promise<{ seconds: number; rowsPerSecond: number; messageId: number }> {
  const messageId = await message(db, 'raw insert limit')
  const started = performance.now()
  await sql`INSERT INTO notifications (tenant_id, recipient_id, message_id, type, created_at)
    SELECT ${TENANT}, 'u' || lpad(k::text, 5, '0'), ${messageId}, 'comment', ${new Date()}
    FROM generate_series(1, ${recipients}) k`.execute(db)
  const seconds = (performance.now() - started) / 1000
  return { seconds, rowsPerSecond: recipients / seconds, messageId }
}
