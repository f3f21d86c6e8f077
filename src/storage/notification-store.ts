import {
  type Expression,
  expressionBuilder,
  type Kysely,
  type RawBuilder,
  type SqlBool,
  sql,
  type UpdateObject,
} from 'kysely'
import { EVERY_STATE, type InboxFilter, type Page, type Sort } from '../core/filters.ts'
import type { Notification } from '../core/notification.ts'
import type {
  ListResult,
  MessageContent,
  Scope,
  StateChange,
  StreamNotification,
} from '../core/store.ts'
import { type Markers, templateFor } from './compiled.ts'
import {
  and,
  conditions,
  covered,
  type MarkSide,
  markAt,
  markUpTo,
  needsMessage,
  notExpired,
  orderBy,
  splitsByMark,
} from './filter-sql.ts'
import {
  type NotificationRow,
  selectNotifications,
  selectThin,
  source,
  toNotification,
  toThin,
} from './notification-row.ts'
import type { Database } from './schema.ts'

/** Rows changed per statement in bulk updates and deletes: bounded work per transaction. */
export const BULK_CHUNK = 10_000

type Cond = RawBuilder<unknown>

/**
 * Where a filter on a message's content (actor, project, target, flags, custom data) starts
 * looking: the (created_at, id) of the `window`-th newest notification of the inbox, read by one
 * walk of the inbox index, or null when the inbox holds fewer (or there is no window). Such a
 * filter joins every row it looks at to `messages` and tests it (a 256-character pattern on
 * each): bounded to the newest `window` rows, one statement costs the same on any inbox, and
 * the embedded store, which runs one statement at a time, is never held for long by one user.
 */
async function contentWindow(
  db: Kysely<Database>,
  scope: Scope,
  filters: InboxFilter[],
  window: number,
): Promise<Cond | null> {
  if (window <= 0 || !filters.some((f) => needsMessage(f))) return null
  const edge = await db
    .selectFrom('notifications as n')
    .select([sql<string>`n.created_at::text`.as('at'), 'n.id'])
    .where('n.tenant_id', '=', scope.tenantId)
    .where('n.recipient_id', '=', scope.userId)
    .orderBy('n.created_at', 'desc')
    .orderBy('n.id', 'desc')
    .offset(window - 1)
    .limit(1)
    .executeTakeFirst()
  return edge ? sql`(n.created_at, n.id) >= (${edge.at}::timestamptz, ${edge.id}::bigint)` : null
}

/** A filter's conditions (on one side of the read mark), with the content window when it reads a message's content. */
const within = (scope: Scope, f: InboxFilter, edge: Cond | null, side?: MarkSide): Cond[] =>
  edge && needsMessage(f) ? [...conditions(scope, f, side), edge] : conditions(scope, f, side)

/** Rows an unread or unseen list gathers by their ids first, at most (see `notCovered`). */
const NOT_COVERED_MAX = 1_000

/**
 * The ids an unread or unseen list can only be among: the rows on either side of the read mark
 * (see MarkSide), each side walked on its own index from the newest number; null when there are
 * more than `NOT_COVERED_MAX`, or when the user has no mark. Listed in `created_at` order with `seq > mark OR own_state`, a
 * heavy inbox right after a mark-all walked its 100,000 covered rows to find none: the planner
 * cannot see the mark, so it took the order's index.
 */
async function notCovered(
  db: Kysely<Database>,
  scope: Scope,
  filter: InboxFilter,
): Promise<number[] | null> {
  // Without a mark every row is past it: the list's own plan is the right one.
  const mark = await db
    .selectFrom('read_marks')
    .select('up_to')
    .where('tenant_id', '=', scope.tenantId)
    .where('user_id', '=', scope.userId)
    .executeTakeFirst()
  if (!mark) return null
  const side = (s: MarkSide) =>
    db.selectFrom(
      source(db, filter)
        .select('n.id')
        .where(and(conditions(scope, filter, s)))
        .orderBy('n.seq', 'desc')
        .limit(NOT_COVERED_MAX + 1)
        .as(s),
    )
  const rows = await side('past').select('past.id').unionAll(side('own').select('own.id')).execute()
  return rows.length > NOT_COVERED_MAX ? null : rows.map((r) => Number(r.id))
}

export async function list(
  db: Kysely<Database>,
  scope: Scope,
  filter: InboxFilter,
  sort: Sort,
  page: Page,
  window = 0,
): Promise<ListResult> {
  const edge = await contentWindow(db, scope, [filter], window)
  const among = splitsByMark(filter) ? await notCovered(db, scope, filter) : null
  const matching = (s: Scope) =>
    selectNotifications(db)
      .where(and(within(s, filter, edge)))
      .$if(among !== null, (q) => q.where(sql<boolean>`n.id = ANY(${among}::bigint[])`))
      .orderBy(orderBy(sort, s))
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
      shape === null || sort.rank || among !== null
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
    countWithin(db, scope, [filter], null, edge),
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
 * One filter's count (on one side of the read mark) as a scalar subquery, reading at most `limit`
 * rows (the cap + 1) when capped. A count is a bigint, which both engines hand over as a number
 * (see `openStorage`).
 */
function countedOn(
  db: Kysely<Database>,
  scope: Scope,
  f: InboxFilter,
  limit: number | null,
  edge: Cond | null,
  onSide?: MarkSide,
) {
  const matching = source(db, f).where(and(within(scope, f, edge, onSide)))
  if (limit === null) return matching.select((eb) => eb.fn.countAll<number>().as('c'))
  // A side's range of event numbers is bounded by a parameter the planner cannot see (the
  // mark), so it guesses a third of the inbox and may scan the table; walking the side's index
  // in its order, which a LIMIT makes the cheapest plan, stops where the range does.
  const walked = onSide ? matching.orderBy('n.seq', 'desc') : matching
  return db
    .selectFrom(walked.select(sql`1`.as('one')).limit(limit).as('s'))
    .select((eb) => eb.fn.countAll<number>().as('c'))
}

/**
 * An unread or unseen count is the sum of its two sides of the read mark (see MarkSide), each a
 * range of its own index; with a cap, each side stops at cap + 1, so the sum passes the cap
 * exactly when the count does.
 */
function counted(
  db: Kysely<Database>,
  scope: Scope,
  f: InboxFilter,
  limit: number | null,
  edge: Cond | null,
) {
  if (!splitsByMark(f)) return countedOn(db, scope, f, limit, edge)
  const past = countedOn(db, scope, f, limit, edge, 'past')
  const own = countedOn(db, scope, f, limit, edge, 'own')
  return db.selectNoFrom(sql<number>`(${past}) + (${own})`.as('c'))
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
  window = 0,
): Promise<number[]> {
  if (filters.length === 0) return []
  return countWithin(db, scope, filters, cap, await contentWindow(db, scope, filters, window))
}

/** `count`, with the content window's edge already found (a list's total shares its own). */
async function countWithin(
  db: Kysely<Database>,
  scope: Scope,
  filters: InboxFilter[],
  cap: number | null,
  edge: Cond | null,
): Promise<number[]> {
  const together = filters.map((f, i) => ({ f, i })).filter(({ f }) => !needsMessage(f))
  const alone = filters.map((f, i) => ({ f, i })).filter(({ f }) => needsMessage(f))
  const statements = [together, ...alone.map((one) => [one])].filter((g) => g.length > 0)
  const out = new Array<number>(filters.length).fill(0)
  // One after another: a request holds one connection at a time, never a pool's worth.
  const limit = cap === null ? null : cap + 1
  for (const group of statements) {
    const statement = (s: Scope, lim: number | null) =>
      db.selectNoFrom(group.map(({ f, i }) => counted(db, s, f, lim, edge).as(`c${i}` as const)))
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
              // Kept prepared on the embedded store: a badge count's plan fits every inbox (each
              // subquery walks one user's index range up to the cap), and planning its five
              // subqueries afresh was most of what a count cost there.
              true,
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
  window = 0,
): Promise<Record<string, number>> {
  const edge = await contentWindow(db, scope, [filter], window)
  const rows = await source(db, filter)
    .select(['n.type', (eb) => eb.fn.countAll<number>().as('c')])
    .where(and(within(scope, filter, edge)))
    .groupBy('n.type')
    .execute()
  return Object.fromEntries(rows.map((r) => [r.type, r.c]))
}

export async function findOne(
  db: Kysely<Database>,
  tenantId: string,
  id: number | string,
): Promise<Notification | null> {
  // By number: compiled once (every single-notification route reads one, a state change two),
  // and kept with one plan on the embedded store: a lookup by primary key plans the same for
  // every id, and planning it afresh asked PostgreSQL for the size of every index it might use.
  const row =
    typeof id === 'number'
      ? ((
          await db.executeQuery(
            templateFor(
              db,
              'findOne',
              (m) =>
                selectNotifications(db)
                  .where('n.tenant_id', '=', m.tenantId)
                  .where('n.id', '=', m.id),
              true,
            )({ tenantId, id }),
          )
        ).rows[0] as NotificationRow | undefined)
      : await selectNotifications(db)
          .where('n.tenant_id', '=', tenantId)
          .where('n.uuid', '=', sql<string>`${id}::uuid`)
          .executeTakeFirst()
  return row ? toNotification(row) : null
}

/**
 * The user's notifications whose event number is past `after`, in event order (commit order
 * within the tenant), at most `limit`; expired ones count as gone. Without their message's
 * `data` and `actions` (see Store.since and `messageContent`).
 */
export async function since(
  db: Kysely<Database>,
  scope: Scope,
  after: number,
  limit: number,
): Promise<StreamNotification[]> {
  const rows = await selectThin(db)
    .where('n.tenant_id', '=', scope.tenantId)
    .where('n.recipient_id', '=', scope.userId)
    .where('n.seq', '>', after)
    .where(notExpired(scope.now))
    .orderBy('n.seq')
    .orderBy('n.id')
    .limit(limit)
    .execute()
  return rows.map((r) => ({ ...toThin(r), messageId: r.message_id }))
}

/** The `data` and `actions` of these messages of the tenant, by id (see Store.messageContent). */
export async function messageContent(
  db: Kysely<Database>,
  tenantId: string,
  messageIds: number[],
): Promise<Map<number, MessageContent>> {
  if (messageIds.length === 0) return new Map()
  // As text: PostgreSQL writes jsonb as JSON, which the stream writes as it is.
  const rows = await db
    .selectFrom('messages')
    .select([
      'id',
      sql<string>`coalesce(data::text, 'null')`.as('data'),
      sql<string>`coalesce(actions::text, '[]')`.as('actions'),
    ])
    .where('tenant_id', '=', tenantId)
    .where('id', 'in', messageIds)
    .execute()
  return new Map(rows.map((r) => [r.id, { data: r.data, actions: r.actions }]))
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

/**
 * Taking a row out from under the read mark (marking it unread or unseen): the state the mark gave
 * it becomes its own (`read_at` or `seen_at` from the mark's time), and `own_state` keeps the
 * mark from deciding for it again until the next mark-all.
 */
function detach(scope: Scope, column: 'read_at' | 'seen_at') {
  const upTo = markUpTo(scope)
  const byMark = covered(upTo, 'notifications')
  return {
    [column]: sql<Date | null>`COALESCE(${sql.ref(column)}, CASE WHEN ${byMark} THEN ${markAt(scope)} END)`,
    own_state: sql<boolean>`(own_state OR seq <= ${upTo})`,
  }
}

/**
 * For each change: what it sets, and the condition for rows it would actually change. Read and
 * seen count the read mark in: a row it covers is already read (marking it read changes nothing).
 */
function changeSql(
  change: StateChange,
  scope: Scope,
): [UpdateObject<Database, 'notifications'>, Cond] {
  const now = scope.now
  const byMark = covered(markUpTo(scope))
  switch (change.action) {
    case 'read':
      return [
        { read_at: now, seen_at: changing.fn.coalesce('seen_at', changing.val(now)) },
        sql`n.read_at IS NULL AND NOT ${byMark}`,
      ]
    case 'unread':
      return [
        { read_at: null, ...detach(scope, 'seen_at') },
        sql`(n.read_at IS NOT NULL OR ${byMark})`,
      ]
    case 'seen':
      return [{ seen_at: now }, sql`n.seen_at IS NULL AND NOT ${byMark}`]
    case 'unseen':
      return [
        { seen_at: null, ...detach(scope, 'read_at') },
        sql`(n.seen_at IS NOT NULL OR ${byMark})`,
      ]
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
 * The rows of the next chunk: `tenant_id = … AND id = ANY(ARRAY(<at most BULK_CHUNK ids of the
 * user's notifications matching the filter and `extra`>))`.
 */
function chunkOf(
  db: Kysely<Database>,
  scope: Scope,
  filter: InboxFilter,
  extra: Cond[],
): Expression<SqlBool> {
  const chunk = source(db, filter)
    .select('n.id')
    .where(and([...conditions(scope, filter), ...extra]))
    .limit(BULK_CHUNK)
  return changing.and([
    changing('tenant_id', '=', scope.tenantId),
    changing('id', '=', changing.fn.any(sql<number[]>`ARRAY(${chunk})`)),
  ])
}

/**
 * Runs a statement `WHERE id = ANY(ARRAY(<chunk of matching ids>))` (chunkOf) until a chunk
 * comes back short: set-based, in chunks of `BULK_CHUNK` rows so no statement holds locks on an
 * unbounded set. The chunk's ids are collected into an array first: with `id IN (subquery)` the planner
 * expected 10,000 rows and hashed them against a sequential scan of the whole table (1 s per
 * chunk on a million rows); `id = ANY(ARRAY(…))` probes the primary key instead.
 */
async function inChunks(run: () => Promise<bigint>): Promise<number> {
  let total = 0
  for (;;) {
    const changed = Number(await run())
    total += changed
    if (changed < BULK_CHUNK) return total
  }
}

/** The one id of a filter that names one notification by number and asks nothing else. */
function onlyId(f: InboxFilter): number | null {
  const { ids, ...rest } = f
  const id = ids?.length === 1 ? ids[0] : undefined
  if (id === undefined) return null
  const everyState =
    Object.keys(rest).length === Object.keys(EVERY_STATE).length &&
    rest.dismissed === EVERY_STATE.dismissed &&
    rest.snoozed === EVERY_STATE.snoozed
  return everyState ? id : null
}

export async function update(
  db: Kysely<Database>,
  scope: Scope,
  change: StateChange,
  filter: InboxFilter,
): Promise<number> {
  // One notification by number (every single-notification route, mark one read the busiest):
  // the same statement, compiled once per change and kept with one plan on the embedded store,
  // where planning it afresh asked PostgreSQL for the size of each of the table's indexes (as
  // findOne's lookup did). A snooze carries its own time, so it is planned for it.
  const statement = (s: Scope, f: InboxFilter) => {
    const [set, pending] = changeSql(change, s)
    return db
      .updateTable('notifications')
      .set(set)
      .where(chunkOf(db, s, f, [pending]))
  }
  const id = change.action === 'snooze' ? null : onlyId(filter)
  if (id !== null) {
    const one = templateFor(
      db,
      `update one ${change.action}`,
      (m) => statement(markedScope(m), { ...EVERY_STATE, ids: m.ids }),
      true,
    )
    const res = await db.executeQuery(one({ ...scope, ids: [id] }))
    return Number(res.numAffectedRows ?? 0)
  }
  const chunk = statement(scope, filter)
  return inChunks(async () => (await chunk.executeTakeFirst()).numUpdatedRows)
}

export function remove(db: Kysely<Database>, scope: Scope, filter: InboxFilter): Promise<number> {
  const chunk = db.deleteFrom('notifications').where(chunkOf(db, scope, filter, []))
  return inChunks(async () => (await chunk.executeTakeFirst()).numDeletedRows)
}
