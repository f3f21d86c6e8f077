import { type RawBuilder, sql } from 'kysely'
import type { InboxFilter, Sort, SortField, TimeRange, Tristate } from '../core/filters.ts'
import type { Scope } from '../core/store.ts'

type Cond = RawBuilder<unknown>

/** True when the filter or sort reads a column of `messages`, so the query must join it. */
export const needsMessage = (f: InboxFilter, sort?: Sort): boolean =>
  f.actorId !== undefined ||
  f.actorUsernamePrefix !== undefined ||
  f.actorUsernameLike !== undefined ||
  f.projectId !== undefined ||
  f.targetId !== undefined ||
  f.targetTypes !== undefined ||
  f.parentId !== undefined ||
  f.important !== undefined ||
  f.mention !== undefined ||
  f.data !== undefined ||
  sort?.field === 'actorId' ||
  sort?.field === 'projectId'

const range = (column: Cond, r: TimeRange | undefined, out: Cond[]): void => {
  if (!r) return
  if (r.gt) out.push(sql`${column} > ${r.gt}`)
  if (r.gte) out.push(sql`${column} >= ${r.gte}`)
  if (r.lt) out.push(sql`${column} < ${r.lt}`)
  if (r.lte) out.push(sql`${column} <= ${r.lte}`)
}

// Both forms are spelled out so the planner can match the partial unread index's predicate.
const tristate = (set: Cond, unset: Cond, t: Tristate, out: Cond[]): void => {
  if (t === 'exclude') out.push(unset)
  else if (t === 'only') out.push(set)
}

const bool = (column: string, v: boolean | undefined, out: Cond[]): void => {
  if (v !== undefined) out.push(sql`${sql.ref(column)} = ${v}`)
}

const eq = (column: string, v: string | undefined, out: Cond[]): void => {
  if (v !== undefined) out.push(sql`${sql.ref(column)} = ${v}`)
}

/** Expired notifications are gone everywhere: lists, counts, changes and id lookups (alias `n`). */
export const notExpired = (now: Date): RawBuilder<boolean> =>
  sql<boolean>`(n.expires_at IS NULL OR n.expires_at > ${now})`

/**
 * The user's read mark (migration 0014) as a scalar subquery, evaluated once per statement: the
 * event number up to which their notifications are read, -1 when they never marked all read.
 */
export const markUpTo = (scope: Pick<Scope, 'tenantId' | 'userId'>): Cond =>
  sql`COALESCE((SELECT rm.up_to FROM read_marks rm
    WHERE rm.tenant_id = ${scope.tenantId} AND rm.user_id = ${scope.userId}), -1)`

/** When the user's read mark was set (null when never). */
export const markAt = (scope: Pick<Scope, 'tenantId' | 'userId'>): Cond =>
  sql`(SELECT rm.at FROM read_marks rm
    WHERE rm.tenant_id = ${scope.tenantId} AND rm.user_id = ${scope.userId})`

/** The row is read and seen by the mark `upTo`, its own `read_at`/`seen_at` aside (alias `a`). */
export const covered = (upTo: Cond, a = 'n'): Cond =>
  sql`(${sql.ref(`${a}.seq`)} <= ${upTo} AND NOT ${sql.ref(`${a}.own_state`)})`

/** Read: marked read itself, or covered by the user's read mark. */
export const isRead = (scope: Scope): Cond =>
  sql`(n.read_at IS NOT NULL OR ${covered(markUpTo(scope))})`

/**
 * Which side of the read mark a count walks. The rows the mark does not cover are those past it
 * plus those at or below it with their own state: two disjoint ranges, each served by an index
 * (`notifications_open_seq`, `notifications_own_state`), where one OR would walk the whole inbox.
 * Within either, a row's read and seen state are its own columns.
 */
export type MarkSide = 'past' | 'own'

const side = (scope: Scope, s: MarkSide): Cond =>
  s === 'past' ? sql`n.seq > ${markUpTo(scope)}` : sql`n.own_state AND n.seq <= ${markUpTo(scope)}`

/** True when `f` asks for unread or unseen rows: a count of it is summed over both sides. */
export const splitsByMark = (f: InboxFilter): boolean => f.read === false || f.seen === false

/**
 * The WHERE conditions for one user's notifications matching `f` (alias `n`, and `m` if joined).
 * With `onSide`, only the rows on that side of the read mark (see MarkSide).
 */
export function conditions(scope: Scope, f: InboxFilter, onSide?: MarkSide): Cond[] {
  const { now } = scope
  const out: Cond[] = [
    sql`n.tenant_id = ${scope.tenantId}`,
    sql`n.recipient_id = ${scope.userId}`,
    notExpired(now),
  ]
  if (onSide) out.push(side(scope, onSide))
  // Past the mark or with their own state, rows are read and seen by their columns alone.
  const byMark = onSide ? sql`false` : covered(markUpTo(scope))
  if (f.ids) out.push(sql`n.id = ANY(${f.ids}::bigint[])`)
  if (f.uuids) out.push(sql`n.uuid = ANY(${f.uuids}::uuid[])`)
  if (f.types) out.push(sql`n.type = ANY(${f.types}::text[])`)
  if (f.read !== undefined) {
    out.push(
      f.read ? sql`(n.read_at IS NOT NULL OR ${byMark})` : sql`n.read_at IS NULL AND NOT ${byMark}`,
    )
  }
  if (f.seen !== undefined) {
    // The checkpoint is read inside the same statement (evaluated once), not in a round trip.
    const beforeCheckpoint = sql`COALESCE(n.created_at <= (SELECT cp.at FROM inbox_checkpoints cp
      WHERE cp.tenant_id = ${scope.tenantId} AND cp.user_id = ${scope.userId}), false)`
    out.push(
      f.seen
        ? sql`(n.seen_at IS NOT NULL OR ${beforeCheckpoint} OR ${byMark})`
        : sql`n.seen_at IS NULL AND NOT ${beforeCheckpoint} AND NOT ${byMark}`,
    )
  }
  tristate(
    sql`n.archived_at IS NOT NULL`,
    sql`n.archived_at IS NULL`,
    f.dismissed ?? 'exclude',
    out,
  )
  tristate(
    sql`n.snoozed_until > ${now}`,
    sql`(n.snoozed_until IS NULL OR n.snoozed_until <= ${now})`,
    f.snoozed ?? 'exclude',
    out,
  )
  eq('m.actor_id', f.actorId, out)
  if (f.actorUsernamePrefix !== undefined) {
    out.push(sql`starts_with(lower(m.actor_username), ${f.actorUsernamePrefix.toLowerCase()})`)
  }
  if (f.actorUsernameLike !== undefined) {
    // PostgreSQL text cannot hold NUL, so no username has one; sending it would be an SQL error.
    // ILIKE lowers its pattern again for every row (10 µs a row for a 256-character one); the
    // pattern lowered once, a constant, costs only the short username's lowering per row.
    out.push(
      f.actorUsernameLike.includes('\u0000')
        ? sql`FALSE`
        : sql`lower(m.actor_username) LIKE lower(${likePattern(f.actorUsernameLike)})`,
    )
  }
  eq('m.project_id', f.projectId, out)
  eq('m.target_id', f.targetId, out)
  eq('m.parent_id', f.parentId, out)
  eq('n.group_key', f.groupKey, out)
  if (f.targetTypes) {
    out.push(sql`lower(m.target_type) = ANY(${f.targetTypes.map((t) => t.toLowerCase())}::text[])`)
  }
  range(sql`n.created_at`, f.createdAt, out)
  range(sql`n.last_action_at`, f.lastActionAt, out)
  bool('m.important', f.important, out)
  bool('m.mention', f.mention, out)
  if (f.data) out.push(sql`m.data @> ${JSON.stringify(f.data)}::jsonb`)
  if (f.maxId !== undefined) out.push(sql`n.id <= ${f.maxId}`)
  return out
}

/** A pattern ending in a lone escape is an SQL error; read that last backslash literally. */
const likePattern = (p: string): string => {
  const trailing = /\\*$/.exec(p)?.[0].length ?? 0
  return trailing % 2 === 1 ? `${p}\\` : p
}

export const and = (conds: Cond[]): RawBuilder<boolean> =>
  sql<boolean>`${sql.join(conds, sql` AND `)}`

// `read` is `isRead(scope)`: it depends on the user's read mark.
const SORT_SQL: Record<Exclude<SortField, 'read'>, Cond> = {
  createdAt: sql`n.created_at`,
  lastActionAt: sql`n.last_action_at`,
  id: sql`n.id`,
  type: sql`n.type`,
  actorId: sql`m.actor_id`,
  projectId: sql`m.project_id`,
}

/** The sort key, with a sort's optional rank order (type) or integer comparison (ids). */
function sortKey(sort: Sort, scope: Scope): Cond {
  if (sort.field === 'read') return isRead(scope)
  if (sort.field === 'type' && sort.rank) return sql`array_position(${sort.rank}::text[], n.type)`
  if (sort.numeric && (sort.field === 'actorId' || sort.field === 'projectId')) {
    const col = SORT_SQL[sort.field]
    return sql`(CASE WHEN ${col} ~ '^[0-9]{1,30}$' THEN ${col}::numeric END)`
  }
  return SORT_SQL[sort.field]
}

/**
 * ORDER BY for a sort, always ending with the id in the same direction so the order is total. A
 * UUID tie-break comes before it (UUIDs are unique in a tenant, so the id then never decides): on
 * the inbox index `(tenant, recipient, created_at DESC, id DESC)` PostgreSQL reads rows in
 * `created_at` order and sorts only each run of equal times (an incremental sort), so no index
 * of its own is needed.
 */
export function orderBy(sort: Sort, scope: Scope): Cond {
  const dir = sort.direction === 'asc' ? sql`ASC` : sql`DESC`
  const nulls =
    sort.nulls === 'first' ? sql` NULLS FIRST` : sort.nulls === 'last' ? sql` NULLS LAST` : sql``
  if (sort.field === 'id') return sql`n.id ${dir}`
  const tie = sort.tieBreak === 'uuid' ? sql`n.uuid ${dir}, ` : sql``
  return sql`${sortKey(sort, scope)} ${dir}${nulls}, ${tie}n.id ${dir}`
}
