import {
  type Expression,
  expressionBuilder,
  type Kysely,
  type RawBuilder,
  type SqlBool,
  sql,
  type UpdateObject,
} from 'kysely'
import type { InboxFilter, Page, Sort } from '../core/filters.ts'
import type { Notification } from '../core/notification.ts'
import type { ListResult, Scope, StateChange } from '../core/store.ts'
import { type Markers, templateFor } from './compiled.ts'
import { and, conditions, needsMessage, notExpired, orderBy } from './filter-sql.ts'
import {
  type NotificationRow,
  selectNotifications,
  source,
  toNotification,
} from './notification-row.ts'
import type { Database } from './schema.ts'

/** Rows changed per statement in bulk updates and deletes: bounded work per transaction. */
export const BULK_CHUNK = 10_000

type Cond = RawBuilder<unknown>

export async function list(
  db: Kysely<Database>,
  scope: Scope,
  filter: InboxFilter,
  sort: Sort,
  page: Page,
): Promise<ListResult> {
  const matching = (s: Scope) =>
    selectNotifications(db)
      .where(and(conditions(s, filter)))
      .orderBy(orderBy(sort))
  if (page.kind === 'keyset') {
    const { after } = page
    const cmp = sort.direction === 'asc' ? '>' : '<'
    const keyset = (m: Scope, at: Date, id: number, limit: number) =>
      (after
        ? matching(m).where((eb) => eb(eb.refTuple('n.created_at', 'n.id'), cmp, eb.tuple(at, id)))
        : matching(m)
      ).limit(limit)
    const shape = plainShape(filter)
    const limit = page.limit + 1
    const rows =
      shape === null || sort.rank
        ? await keyset(scope, after?.at ?? scope.now, after?.id ?? 0, limit).execute()
        : ((
            await db.executeQuery(
              templateFor(
                db,
                `list ${shape} ${JSON.stringify(sort)} ${after ? 'after' : ''}`,
                (m) => keyset(markedScope(m), m.at, m.id, m.limit),
              )({ ...scope, at: after?.at, id: after?.id, limit }),
            )
          ).rows as NotificationRow[])
    const items = rows.slice(0, page.limit).map(toNotification)
    const last = items.at(-1)
    return rows.length > page.limit && last
      ? { items, next: { at: last.createdAt, id: last.id } }
      : { items }
  }
  const [rows, [total]] = await Promise.all([
    matching(scope)
      .limit(page.size)
      .offset((page.page - 1) * page.size)
      .execute(),
    count(db, scope, [filter], null),
  ])
  return { items: rows.map(toNotification), total }
}

/**
 * A filter on nothing but the read and seen states (the badge's counts, the plain inbox): its
 * statement's text depends on nothing else, so it is built and compiled once (see compiled.ts).
 * Null for any other filter, built afresh each time.
 */
function plainShape(f: InboxFilter): string | null {
  let shape = ''
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined) continue
    if ((k !== 'read' && k !== 'seen') || typeof v !== 'boolean') return null
    shape += `${k}=${v};`
  }
  return shape
}

// The aliases (c0, c1…) are part of the text, so the filters' places are part of the key.
const countKey = (places: number[], shapes: Array<string | null>, limit: number | null) =>
  `count ${places.map((p, j) => `${p}:${shapes[j]}`).join(',')} ${limit === null ? '' : 'capped'}`

const markedScope = (m: Markers): Scope => ({ tenantId: m.tenantId, userId: m.userId, now: m.now })

/**
 * One filter's count as a scalar subquery, reading at most `limit` rows (the cap + 1) when
 * capped. A count is a bigint, which both engines hand over as a number (see `openStorage`).
 */
function counted(db: Kysely<Database>, scope: Scope, f: InboxFilter, limit: number | null) {
  const matching = source(db, f).where(and(conditions(scope, f)))
  if (limit === null) return matching.select((eb) => eb.fn.countAll<number>().as('c'))
  return db
    .selectFrom(matching.select(sql`1`.as('one')).limit(limit).as('s'))
    .select((eb) => eb.fn.countAll<number>().as('c'))
}

/**
 * Several counts, each optionally capped at `cap + 1` rows read: those on the notification's own
 * columns in one round trip; each that reads the message's content (actor, project, data…) in a
 * statement of its own, as it may have to join the whole inbox, one after another. On the
 * embedded store, which runs one statement at a time, other users' statements then run between
 * them (twenty such filters in one statement held it for over a second); on PostgreSQL the
 * request holds one pool connection, not twenty at once.
 */
export async function count(
  db: Kysely<Database>,
  scope: Scope,
  filters: InboxFilter[],
  cap: number | null,
): Promise<number[]> {
  if (filters.length === 0) return []
  const together = filters.map((f, i) => ({ f, i })).filter(({ f }) => !needsMessage(f))
  const alone = filters.map((f, i) => ({ f, i })).filter(({ f }) => needsMessage(f))
  const statements = [together, ...alone.map((one) => [one])].filter((g) => g.length > 0)
  const out = new Array<number>(filters.length).fill(0)
  // One after another: a request holds one connection at a time, never a pool's worth.
  const limit = cap === null ? null : cap + 1
  for (const group of statements) {
    const statement = (s: Scope, lim: number | null) =>
      db.selectNoFrom(group.map(({ f, i }) => counted(db, s, f, lim).as(`c${i}` as const)))
    const shapes = group.map(({ f }) => plainShape(f))
    const row = shapes.every((sh) => sh !== null)
      ? ((
          await db.executeQuery(
            templateFor(
              db,
              countKey(
                group.map(({ i }) => i),
                shapes,
                limit,
              ),
              (m) => statement(markedScope(m), limit === null ? null : m.limit),
            )({ ...scope, limit: limit ?? undefined }),
          )
        ).rows[0] as Record<string, number> | undefined)
      : await statement(scope, limit).executeTakeFirstOrThrow()
    for (const { i } of group) out[i] = row?.[`c${i}`] ?? 0
  }
  return out
}

export async function countByType(
  db: Kysely<Database>,
  scope: Scope,
  filter: InboxFilter,
): Promise<Record<string, number>> {
  const rows = await source(db, filter)
    .select(['n.type', (eb) => eb.fn.countAll<number>().as('c')])
    .where(and(conditions(scope, filter)))
    .groupBy('n.type')
    .execute()
  return Object.fromEntries(rows.map((r) => [r.type, r.c]))
}

export async function findOne(
  db: Kysely<Database>,
  tenantId: string,
  id: number | string,
): Promise<Notification | null> {
  const inTenant = selectNotifications(db).where('n.tenant_id', '=', tenantId)
  const byId =
    typeof id === 'number'
      ? inTenant.where('n.id', '=', id)
      : inTenant.where('n.uuid', '=', sql<string>`${id}::uuid`)
  const row = await byId.executeTakeFirst()
  return row ? toNotification(row) : null
}

/**
 * The user's notifications whose event number is past `after`, in event order (commit order
 * within the tenant), at most `limit`; expired ones count as gone.
 */
export async function since(
  db: Kysely<Database>,
  scope: Scope,
  after: number,
  limit: number,
): Promise<Notification[]> {
  const rows = await selectNotifications(db)
    .where('n.tenant_id', '=', scope.tenantId)
    .where('n.recipient_id', '=', scope.userId)
    .where('n.seq', '>', after)
    .where(notExpired(scope.now))
    .orderBy('n.seq')
    .orderBy('n.id')
    .limit(limit)
    .execute()
  return rows.map(toNotification)
}

/** See Store.countSince: a walk of at most `cap` entries of the (tenant, recipient, seq) index. */
export async function countSince(
  db: Kysely<Database>,
  scope: Scope,
  after: number,
  cap: number,
): Promise<number> {
  const row = await db
    .selectFrom((eb) =>
      eb
        .selectFrom('notifications as n')
        .select('n.seq')
        .where('n.tenant_id', '=', scope.tenantId)
        .where('n.recipient_id', '=', scope.userId)
        .where('n.seq', '>', after)
        .limit(cap)
        .as('t'),
    )
    .select((eb) => eb.fn.countAll<string>().as('c'))
    .executeTakeFirst()
  return Number(row?.c ?? 0)
}

/** The highest event number among the user's notifications (0 when none has one). */
export async function latestSeq(db: Kysely<Database>, tenantId: string, userId: string) {
  const row = await db
    .selectFrom('notifications as n')
    .select((eb) => eb.fn.max('n.seq').as('seq'))
    .where('n.tenant_id', '=', tenantId)
    .where('n.recipient_id', '=', userId)
    .where('n.seq', 'is not', null)
    .executeTakeFirst()
  return Number(row?.seq ?? 0)
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
  const live = db
    .selectFrom('notifications as n')
    .select('n.recipient_id')
    .where('n.tenant_id', '=', tenantId)
    .where(notExpired(now))
  const out = new Map<string, string>()
  if (nums.length > 0) {
    const rows = await live
      .select('n.id')
      .where((eb) => eb('n.id', '=', eb.fn.any(sql<number[]>`${nums}::bigint[]`)))
      .execute()
    for (const r of rows) out.set(String(r.id), r.recipient_id)
  }
  if (uuids.length > 0) {
    const rows = await live
      .select((eb) => eb.cast<string>('n.uuid', 'text').as('uuid'))
      .where((eb) => eb('n.uuid', '=', eb.fn.any(sql<string[]>`${uuids}::uuid[]`)))
      .execute()
    for (const r of rows) out.set(r.uuid, r.recipient_id)
  }
  return out
}

const changing = expressionBuilder<Database, 'notifications'>()

/** For each change: what it sets, and the condition for rows it would actually change. */
function changeSql(
  change: StateChange,
  now: Date,
): [UpdateObject<Database, 'notifications'>, Cond] {
  switch (change.action) {
    case 'read':
      return [
        { read_at: now, seen_at: changing.fn.coalesce('seen_at', changing.val(now)) },
        sql`n.read_at IS NULL`,
      ]
    case 'unread':
      return [{ read_at: null }, sql`n.read_at IS NOT NULL`]
    case 'seen':
      return [{ seen_at: now }, sql`n.seen_at IS NULL`]
    case 'unseen':
      return [{ seen_at: null }, sql`n.seen_at IS NOT NULL`]
    case 'dismiss':
      return [{ archived_at: now }, sql`n.archived_at IS NULL`]
    case 'undismiss':
      return [{ archived_at: null }, sql`n.archived_at IS NOT NULL`]
    case 'snooze':
      return [
        { snoozed_until: change.until },
        sql`n.snoozed_until IS DISTINCT FROM ${change.until}`,
      ]
    case 'unsnooze':
      return [{ snoozed_until: null }, sql`n.snoozed_until IS NOT NULL`]
  }
}

/**
 * Runs a statement `WHERE id = ANY(ARRAY(<chunk of matching ids>))` until a chunk comes back
 * short: set-based, in chunks of `BULK_CHUNK` rows so no statement holds locks on an unbounded
 * set. The chunk's ids are collected into an array first: with `id IN (subquery)` the planner
 * expected 10,000 rows and hashed them against a sequential scan of the whole table (1 s per
 * chunk on a million rows); `id = ANY(ARRAY(…))` probes the primary key instead.
 */
async function inChunks(
  db: Kysely<Database>,
  scope: Scope,
  filter: InboxFilter,
  conds: Cond[],
  run: (inChunk: Expression<SqlBool>) => Promise<bigint>,
): Promise<number> {
  const chunk = source(db, filter).select('n.id').where(and(conds)).limit(BULK_CHUNK)
  const inChunk = changing.and([
    changing('tenant_id', '=', scope.tenantId),
    changing('id', '=', changing.fn.any(sql<number[]>`ARRAY(${chunk})`)),
  ])
  let total = 0
  for (;;) {
    const changed = Number(await run(inChunk))
    total += changed
    if (changed < BULK_CHUNK) return total
  }
}

export function update(
  db: Kysely<Database>,
  scope: Scope,
  change: StateChange,
  filter: InboxFilter,
): Promise<number> {
  const [set, pending] = changeSql(change, scope.now)
  const conds = [...conditions(scope, filter), pending]
  return inChunks(db, scope, filter, conds, async (inChunk) => {
    const res = await db.updateTable('notifications').set(set).where(inChunk).executeTakeFirst()
    return res.numUpdatedRows
  })
}

export function remove(db: Kysely<Database>, scope: Scope, filter: InboxFilter): Promise<number> {
  return inChunks(db, scope, filter, conditions(scope, filter), async (inChunk) => {
    const res = await db.deleteFrom('notifications').where(inChunk).executeTakeFirst()
    return res.numDeletedRows
  })
}
