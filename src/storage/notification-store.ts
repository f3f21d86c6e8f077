import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { InboxFilter, Page, Sort } from '../core/filters.ts'
import type { Notification, Ref } from '../core/notification.ts'
import type { ListResult, Scope, StateChange } from '../core/store.ts'
import { and, conditions, needsMessage, notExpired, orderBy } from './filter-sql.ts'
import type { Database } from './schema.ts'

/** Rows changed per statement in bulk updates and deletes: bounded work per transaction. */
export const BULK_CHUNK = 10_000

const REF_PARTS = ['id', 'type', 'title', 'key', 'label'] as const

const COLUMNS = sql.raw(
  [
    'n.id, n.uuid::text AS uuid, n.tenant_id, n.recipient_id, n.type, n.created_at, n.seen_at',
    'n.read_at, n.archived_at, n.snoozed_until, n.expires_at, n.group_key, n.activity_count',
    'n.last_action_at, m.title, m.body, m.link, m.source, m.data, m.important, m.mention',
    'm.automated, m.actor_id, m.actor_username, m.actor_display_name, m.actor_first_name',
    'm.actor_last_name, m.actor_avatar_url',
    ...['project', 'target', 'parent', 'root'].flatMap((p) => REF_PARTS.map((k) => `m.${p}_${k}`)),
  ].join(', '),
)

const FROM_JOINED = sql`notifications n JOIN messages m ON m.tenant_id = n.tenant_id AND m.id = n.message_id`
const FROM_THIN = sql`notifications n`

type Row = Record<string, unknown>

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))

const ref = (r: Row, prefix: string): Ref | null => {
  const id = str(r[`${prefix}_id`])
  if (id === null) return null
  return {
    id,
    type: str(r[`${prefix}_type`]),
    title: str(r[`${prefix}_title`]),
    key: str(r[`${prefix}_key`]),
    label: str(r[`${prefix}_label`]),
  }
}

export function toNotification(r: Row): Notification {
  const actorId = str(r.actor_id)
  return {
    id: Number(r.id),
    uuid: String(r.uuid),
    tenantId: String(r.tenant_id),
    recipientId: String(r.recipient_id),
    type: String(r.type),
    title: String(r.title),
    body: String(r.body),
    link: str(r.link),
    source: str(r.source),
    actor:
      actorId === null
        ? null
        : {
            id: actorId,
            username: str(r.actor_username),
            displayName: str(r.actor_display_name),
            firstName: str(r.actor_first_name),
            lastName: str(r.actor_last_name),
            avatarUrl: str(r.actor_avatar_url),
          },
    project: ref(r, 'project'),
    target: ref(r, 'target'),
    parent: ref(r, 'parent'),
    root: ref(r, 'root'),
    data: (r.data as Record<string, unknown> | null) ?? null,
    important: Boolean(r.important),
    mention: Boolean(r.mention),
    automated: Boolean(r.automated),
    createdAt: r.created_at as Date,
    seenAt: (r.seen_at as Date | null) ?? null,
    readAt: (r.read_at as Date | null) ?? null,
    archivedAt: (r.archived_at as Date | null) ?? null,
    snoozedUntil: (r.snoozed_until as Date | null) ?? null,
    expiresAt: (r.expires_at as Date | null) ?? null,
    groupKey: str(r.group_key),
    activityCount: Number(r.activity_count),
    lastActionAt: (r.last_action_at as Date | null) ?? null,
  }
}

const from = (f: InboxFilter, sort?: Sort) => (needsMessage(f, sort) ? FROM_JOINED : FROM_THIN)

export async function list(
  db: Kysely<Database>,
  scope: Scope,
  filter: InboxFilter,
  sort: Sort,
  page: Page,
): Promise<ListResult> {
  const conds = conditions(scope, filter)
  if (page.kind === 'keyset') {
    if (page.after) {
      const cmp = sort.direction === 'asc' ? sql`>` : sql`<`
      conds.push(sql`(n.created_at, n.id) ${cmp} (${page.after.at}, ${page.after.id})`)
    }
    const { rows } = await sql<Row>`SELECT ${COLUMNS} FROM ${FROM_JOINED} WHERE ${and(conds)}
      ORDER BY ${orderBy(sort)} LIMIT ${page.limit + 1}`.execute(db)
    const items = rows.slice(0, page.limit).map(toNotification)
    const last = items.at(-1)
    return rows.length > page.limit && last
      ? { items, next: { at: last.createdAt, id: last.id } }
      : { items }
  }
  const offset = (page.page - 1) * page.size
  const [{ rows }, total] = await Promise.all([
    sql<Row>`SELECT ${COLUMNS} FROM ${FROM_JOINED} WHERE ${and(conds)}
      ORDER BY ${orderBy(sort)} LIMIT ${page.size} OFFSET ${offset}`.execute(db),
    countWhere(db, from(filter), conds, null),
  ])
  return { items: rows.map(toNotification), total }
}

async function countWhere(
  db: Kysely<Database>,
  source: RawBuilder<unknown>,
  conds: RawBuilder<unknown>[],
  cap: number | null,
): Promise<number> {
  const { rows } = await sql<{ c: number }>`SELECT ${countExpr(source, conds, cap)} AS c`.execute(
    db,
  )
  return Number(rows[0]?.c ?? 0)
}

const countExpr = (
  source: RawBuilder<unknown>,
  conds: RawBuilder<unknown>[],
  cap: number | null,
) =>
  cap === null
    ? sql`(SELECT count(*) FROM ${source} WHERE ${and(conds)})`
    : sql`(SELECT count(*) FROM (SELECT 1 FROM ${source} WHERE ${and(conds)} LIMIT ${cap + 1}) s)`

/** Several counts in one round trip, each optionally capped at `cap + 1` rows read. */
export async function count(
  db: Kysely<Database>,
  scope: Scope,
  filters: InboxFilter[],
  cap: number | null,
): Promise<number[]> {
  if (filters.length === 0) return []
  const exprs = filters.map(
    (f, i) => sql`${countExpr(from(f), conditions(scope, f), cap)} AS ${sql.ref(`c${i}`)}`,
  )
  const { rows } = await sql<Row>`SELECT ${sql.join(exprs)}`.execute(db)
  const row = rows[0] ?? {}
  return filters.map((_, i) => Number(row[`c${i}`] ?? 0))
}

export async function countByType(
  db: Kysely<Database>,
  scope: Scope,
  filter: InboxFilter,
): Promise<Record<string, number>> {
  const { rows } = await sql<{ type: string; c: number }>`SELECT n.type, count(*) AS c
    FROM ${from(filter)} WHERE ${and(conditions(scope, filter))} GROUP BY n.type`.execute(db)
  return Object.fromEntries(rows.map((r) => [r.type, Number(r.c)]))
}

export async function findOne(
  db: Kysely<Database>,
  tenantId: string,
  id: number | string,
): Promise<Notification | null> {
  const key = typeof id === 'number' ? sql`n.id = ${id}` : sql`n.uuid = ${id}::uuid`
  const { rows } = await sql<Row>`SELECT ${COLUMNS} FROM ${FROM_JOINED}
    WHERE n.tenant_id = ${tenantId} AND ${key}`.execute(db)
  return rows[0] ? toNotification(rows[0]) : null
}

/** Expired notifications count as gone, here as everywhere. */
export async function owners(
  db: Kysely<Database>,
  tenantId: string,
  ids: Array<number | string>,
  now: Date,
): Promise<Map<string, string>> {
  const nums = ids.filter((i): i is number => typeof i === 'number')
  const uuids = ids.filter((i): i is string => typeof i === 'string')
  const live = notExpired(now)
  const out = new Map<string, string>()
  if (nums.length > 0) {
    const { rows } = await sql<{ id: number; r: string }>`SELECT id, recipient_id AS r
      FROM notifications n
      WHERE tenant_id = ${tenantId} AND id = ANY(${nums}::bigint[]) AND ${live}`.execute(db)
    for (const r of rows) out.set(String(r.id), r.r)
  }
  if (uuids.length > 0) {
    const { rows } = await sql<{ id: string; r: string }>`SELECT uuid::text AS id,
      recipient_id AS r FROM notifications n
      WHERE tenant_id = ${tenantId} AND uuid = ANY(${uuids}::uuid[]) AND ${live}`.execute(db)
    for (const r of rows) out.set(r.id, r.r)
  }
  return out
}

/** For each change: the SET clause, and the condition for rows it would actually change. */
function changeSql(change: StateChange, now: Date): [RawBuilder<unknown>, RawBuilder<unknown>] {
  switch (change.action) {
    case 'read':
      return [sql`read_at = ${now}, seen_at = COALESCE(seen_at, ${now})`, sql`n.read_at IS NULL`]
    case 'unread':
      return [sql`read_at = NULL`, sql`n.read_at IS NOT NULL`]
    case 'seen':
      return [sql`seen_at = ${now}`, sql`n.seen_at IS NULL`]
    case 'unseen':
      return [sql`seen_at = NULL`, sql`n.seen_at IS NOT NULL`]
    case 'dismiss':
      return [sql`archived_at = ${now}`, sql`n.archived_at IS NULL`]
    case 'undismiss':
      return [sql`archived_at = NULL`, sql`n.archived_at IS NOT NULL`]
    case 'snooze':
      return [
        sql`snoozed_until = ${change.until}`,
        sql`n.snoozed_until IS DISTINCT FROM ${change.until}`,
      ]
    case 'unsnooze':
      return [sql`snoozed_until = NULL`, sql`n.snoozed_until IS NOT NULL`]
  }
}

/**
 * Runs `head … WHERE id = ANY(ARRAY(<chunk of matching ids>))` until a chunk comes back short:
 * set-based, in chunks of `BULK_CHUNK` rows so no statement holds locks on an unbounded set.
 * The chunk's ids are collected into an array first: with `id IN (subquery)` the planner expected
 * 10,000 rows and hashed them against a sequential scan of the whole table (1 s per chunk on a
 * million rows); `id = ANY(ARRAY(…))` probes the primary key instead.
 */
async function inChunks(
  db: Kysely<Database>,
  scope: Scope,
  filter: InboxFilter,
  head: RawBuilder<unknown>,
  conds: RawBuilder<unknown>[],
): Promise<number> {
  let total = 0
  for (;;) {
    const res = await sql`${head}
      WHERE tenant_id = ${scope.tenantId} AND id = ANY(ARRAY(
        SELECT n.id FROM ${from(filter)} WHERE ${and(conds)} LIMIT ${BULK_CHUNK}))`.execute(db)
    const changed = Number(res.numAffectedRows ?? 0)
    total += changed
    if (changed < BULK_CHUNK) return total
  }
}

export async function update(
  db: Kysely<Database>,
  scope: Scope,
  change: StateChange,
  filter: InboxFilter,
): Promise<number> {
  const [set, pending] = changeSql(change, scope.now)
  const conds = [...conditions(scope, filter), pending]
  return inChunks(db, scope, filter, sql`UPDATE notifications SET ${set}`, conds)
}

export function remove(db: Kysely<Database>, scope: Scope, filter: InboxFilter): Promise<number> {
  return inChunks(db, scope, filter, sql`DELETE FROM notifications`, conditions(scope, filter))
}
