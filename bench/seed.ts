import { type Kysely, sql } from 'kysely'
import type { Database } from '../src/storage/schema.ts'

/** The shape of a seeded data set; `full` is the one the targets are stated for. */
export interface SeedSize {
  users: number
  /** Notifications of the one heavy user (`u00000`): one per message, all unread. */
  heavy: number
  /** Distinct messages (sends); at least `heavy`. */
  messages: number
  /** Every other user gets `lo + floor(span * x²)` notifications, x uniform in [0, 1). */
  lo: number
  span: number
}

export const SIZES = {
  full: { users: 10_000, heavy: 100_000, messages: 100_000, lo: 10, span: 240 },
  quick: { users: 1_000, heavy: 30_000, messages: 30_000, lo: 10, span: 240 },
  tiny: { users: 40, heavy: 600, messages: 600, lo: 2, span: 20 },
} satisfies Record<string, SeedSize>

export const TENANT = 'bench'
export const HEAVY_USER = 'u00000'
export const userId = (k: number): string => `u${String(k).padStart(5, '0')}`

/** Seconds between two consecutive messages: the full set spans about a month. */
const SPACING = 25

// Times as the send path writes them: JavaScript dates, so millisecond precision.
const NOW = `date_trunc('milliseconds', now())`

// Deterministic pseudo-random numbers in [0, 1) from an integer, identical on both engines, so
// PGlite and PostgreSQL hold the same table.
const unit = (expr: string) => `(abs(hashint8(${expr})::bigint) / 2147483648.0)`

export interface SeedResult {
  notifications: number
  messages: number
  users: number
  seconds: number
}

const run = (db: Kysely<Database>, text: string) => sql.raw(text).execute(db)

/**
 * Seeds the tenant with set-based SQL only: users, messages, then every user's notifications in a
 * few INSERT … SELECT statements, the way the send path writes them (one message, thin rows).
 */
export async function seed(db: Kysely<Database>, size: SeedSize): Promise<SeedResult> {
  const started = performance.now()
  const M = Math.max(size.messages, size.heavy)
  await run(
    db,
    `INSERT INTO tenants (id, name) VALUES ('${TENANT}', 'Benchmark') ON CONFLICT DO NOTHING`,
  )
  await run(
    db,
    `INSERT INTO users (tenant_id, id, username, display_name)
     SELECT '${TENANT}', 'u' || lpad(k::text, 5, '0'), 'user' || k, 'User ' || k
     FROM generate_series(0, ${size.users - 1}) k`,
  )
  await run(db, messagesSql(M))
  const { rows } = await sql<{ base: number }>`SELECT min(id) - 1 AS base FROM messages
    WHERE tenant_id = ${TENANT}`.execute(db)
  const base = Number(rows[0]?.base ?? 0)
  await run(db, heavySql(size, base))
  // Split so no single statement holds the whole million rows in one transaction.
  const parts = Math.max(1, Math.ceil(size.users / 2_500))
  const per = Math.ceil((size.users - 1) / parts)
  for (let p = 0; p < parts; p++) {
    const from = 1 + p * per
    const to = Math.min(size.users - 1, from + per - 1)
    if (from <= to) await run(db, othersSql(size, base, M, from, to))
  }
  await run(
    db,
    `INSERT INTO inbox_checkpoints (tenant_id, user_id, at)
     SELECT '${TENANT}', 'u' || lpad(k::text, 5, '0'), ${NOW} - (k % 7) * interval '1 day'
     FROM generate_series(1, ${size.users - 1}) k WHERE k % 2 = 1`,
  )
  // What autovacuum would have done to a table this old: visibility map and statistics.
  await run(db, 'VACUUM ANALYZE notifications')
  await run(db, 'VACUUM ANALYZE messages')
  await run(db, 'VACUUM ANALYZE users')
  await run(db, 'VACUUM ANALYZE inbox_checkpoints')
  const counted = await sql<{ c: number }>`SELECT count(*) AS c FROM notifications
    WHERE tenant_id = ${TENANT}`.execute(db)
  return {
    notifications: Number(counted.rows[0]?.c ?? 0),
    messages: M,
    users: size.users,
    seconds: (performance.now() - started) / 1000,
  }
}

const TYPES = `(ARRAY['comment','comment','comment','comment','comment','comment','mention',
  'mention','mention','mention','assigned','assigned','assigned','status','status','status',
  'review','review','invite','digest'])`

function messagesSql(m: number): string {
  return `INSERT INTO messages (tenant_id, type, title, body, link, source, actor_id,
      actor_username, actor_display_name, project_id, project_type, project_title, target_id,
      target_type, target_title, data, important, mention, automated, created_at)
    SELECT '${TENANT}', ${TYPES}[1 + j % 20], 'Update ' || j || ' on task ' || (j % 5000),
      'Someone changed something on task ' || (j % 5000) || ' of project ' || (j % 50)
        || '; open it to see what changed and reply.',
      '/projects/' || (j % 50) || '/tasks/' || (j % 5000), 'tracker',
      'u' || lpad((j % 10000)::text, 5, '0'), 'user' || (j % 10000), 'User ' || (j % 10000),
      (j % 50)::text, 'project', 'Project ' || (j % 50), (j % 5000)::text, 'task',
      'Task ' || (j % 5000), jsonb_build_object('seq', j, 'kind', 'bench'),
      j % 50 = 0, j % 20 IN (6, 7, 8, 9), j % 20 = 19,
      ${NOW} - (${m} - j) * interval '${SPACING} seconds'
    FROM generate_series(1, ${m}) j`
}

const COLUMNS = `tenant_id, recipient_id, message_id, type, created_at, seen_at, read_at,
  archived_at, snoozed_until`

function heavySql(size: SeedSize, base: number): string {
  return `INSERT INTO notifications (${COLUMNS})
    SELECT '${TENANT}', '${HEAVY_USER}', m.id, m.type, m.created_at, NULL, NULL, NULL, NULL
    FROM messages m
    WHERE m.tenant_id = '${TENANT}' AND m.id BETWEEN ${base + 1} AND ${base + size.heavy}`
}

/**
 * Users `from`..`to`: 70 % read, 10 % seen only, 20 % unread; 3 % dismissed, 0.5 % snoozed.
 * `r` picks the state, `s` the message; both are hashes of (user, position).
 */
function othersSql(size: SeedSize, base: number, m: number, from: number, to: number): string {
  return `INSERT INTO notifications (${COLUMNS})
    SELECT '${TENANT}', 'u' || lpad(u.k::text, 5, '0'), msg.id, msg.type, msg.created_at,
      CASE WHEN x.r < 800 THEN least(msg.created_at + interval '1 hour', ${NOW}) END,
      CASE WHEN x.r < 700 THEN least(msg.created_at + interval '2 hours', ${NOW}) END,
      CASE WHEN x.r2 < 30 THEN least(msg.created_at + interval '3 hours', ${NOW}) END,
      CASE WHEN x.r2 >= 990 AND x.r2 < 995 THEN ${NOW} + interval '1 day' END
    FROM (
      SELECT k, ${size.lo} + floor(${size.span} * power(${unit('k')}, 2))::int AS n
      FROM generate_series(${from}, ${to}) k
    ) u
    CROSS JOIN LATERAL generate_series(1, u.n) g
    CROSS JOIN LATERAL (
      SELECT floor(${unit('u.k::bigint * 1000003 + g')} * 1000)::int AS r,
        floor(${unit('u.k::bigint * 1000003 + g + 777767777')} * 1000)::int AS r2,
        1 + floor(${unit('u.k::bigint * 1000003 + g + 1555555555')} * ${m})::int AS pick
    ) x
    JOIN messages msg ON msg.tenant_id = '${TENANT}' AND msg.id = ${base} + x.pick`
}
