import type { FastifyRequest } from 'fastify'
import { Type as T } from 'typebox'
import { EVERY_STATE, type InboxFilter, type Sort } from '../../../core/filters.ts'
import type { Viewer } from '../../../core/inbox.ts'
import type { Notification } from '../../../core/notification.ts'
import {
  type DetailItem,
  intParsing,
  invalidScheme,
  malformedAuth,
  outOfRange,
  unprocessable,
} from './errors.ts'

// ---- The credential: `Authorization: Token <base64 of a Herald user token>` ----

type Parsed =
  | { kind: 'absent' }
  | { kind: 'malformed' }
  | { kind: 'other-scheme' }
  | { kind: 'token'; credential: string }

/**
 * Decodes base64 the way Python's lenient `b64decode` does: characters outside the alphabet are
 * dropped, and too little padding is an error. Null where Python would raise.
 */
function lenientBase64(text: string): string | null {
  const clean = text.replace(/[^A-Za-z0-9+/=]/g, '')
  const pad = clean.indexOf('=')
  const data = pad < 0 ? clean : clean.slice(0, pad)
  const padding = pad < 0 ? 0 : clean.length - pad
  const rest = data.length % 4
  if (rest === 1 || (rest !== 0 && padding < 4 - rest)) return null
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(data, 'base64'))
  } catch {
    return null
  }
}

/** Splits `Authorization` as TM's middleware does: two whitespace-separated words. */
function parseAuthorization(header: string | undefined): Parsed {
  if (header === undefined) return { kind: 'absent' }
  const words = header.split(/\s+/).filter(Boolean)
  const [scheme, value] = words
  if (words.length !== 2 || scheme === undefined || value === undefined) {
    return { kind: 'malformed' }
  }
  if (scheme.toLowerCase() !== 'token') return { kind: 'other-scheme' }
  const credential = lenientBase64(value)
  return credential === null ? { kind: 'malformed' } : { kind: 'token', credential }
}

/** The middleware's check, which TM applies to every path, routed or not. */
export const isMalformed = (header: string | undefined): boolean =>
  parseAuthorization(header).kind === 'malformed'

/** The raw token, null without the header, or TM's exact refusal of a header it cannot use. */
export function credential(req: FastifyRequest): string | null {
  const parsed = parseAuthorization(req.headers.authorization)
  if (parsed.kind === 'absent') return null
  if (parsed.kind === 'malformed') throw malformedAuth()
  if (parsed.kind === 'other-scheme') throw invalidScheme()
  return parsed.credential
}

// ---- Tasking Manager's `MessageType` enumeration onto Herald type keys ----

/** The integer is what clients filter and sort by; the NAME is what responses carry. */
const MESSAGE_TYPES = [
  { value: 1, name: 'SYSTEM', key: 'system' },
  { value: 2, name: 'BROADCAST', key: 'broadcast' },
  { value: 3, name: 'MENTION_NOTIFICATION', key: 'mention' },
  { value: 4, name: 'VALIDATION_NOTIFICATION', key: 'validation' },
  { value: 5, name: 'INVALIDATION_NOTIFICATION', key: 'invalidation' },
  { value: 6, name: 'REQUEST_TEAM_NOTIFICATION', key: 'request_team' },
  { value: 7, name: 'INVITATION_NOTIFICATION', key: 'invitation' },
  { value: 8, name: 'TASK_COMMENT_NOTIFICATION', key: 'task_comment' },
  { value: 9, name: 'PROJECT_CHAT_NOTIFICATION', key: 'project_chat' },
  { value: 10, name: 'PROJECT_ACTIVITY_NOTIFICATION', key: 'project_activity' },
  { value: 11, name: 'TEAM_BROADCAST', key: 'team_broadcast' },
] as const

const keyByValue = new Map<bigint, string>(MESSAGE_TYPES.map((t) => [BigInt(t.value), t.key]))
const nameByKey = new Map<string, string>(MESSAGE_TYPES.map((t) => [t.key, t.name]))
/** Type keys in integer order, so core sorts by the integer as TM does. */
const TYPE_RANK: string[] = MESSAGE_TYPES.map((t) => t.key)

// ---- Query and path parameters ----

/** Bounds TM does not have: past them the real service crashes or scans without limit. */
const PAGE_SIZE_MAX = 1000
const PAGE_MAX = 2_147_483_647
const IDS_MAX = 1000

/** The query string as Fastify parsed it: a string, or strings when a key repeats. */
type Query = Record<string, unknown>

/** Starlette hands a scalar parameter its last value when a key repeats. */
function last(q: Query, key: string): string | undefined {
  const v = q[key]
  const value = Array.isArray(v) ? v.at(-1) : v
  return typeof value === 'string' ? value : undefined
}

/** Python `int()` on a string: optional whitespace and sign, then digits. */
const INT = /^\s*[+-]?\d+\s*$/
const parseInt10 = (s: string): bigint | null => (INT.test(s) ? BigInt(s.trim()) : null)

type Bounds = { min: number; max: number }

/** An integer with pydantic's errors at `loc`; `bounds` are Herald's, where TM has none. */
function intAt(loc: Array<string | number>, raw: string, bounds?: Bounds): bigint {
  const n = parseInt10(raw)
  if (n === null) throw unprocessable(intParsing(loc, raw))
  if (bounds && n < BigInt(bounds.min))
    throw unprocessable(outOfRange(loc, raw, { ge: bounds.min }))
  if (bounds && n > BigInt(bounds.max))
    throw unprocessable(outOfRange(loc, raw, { le: bounds.max }))
  return n
}

/** An integer query parameter, or undefined when absent. */
function queryInt(q: Query, key: string, bounds?: Bounds): bigint | undefined {
  const raw = last(q, key)
  return raw === undefined ? undefined : intAt(['query', key], raw, bounds)
}

/**
 * `messageType=1,2,3` as Herald type keys; undefined when absent or empty (no filter). Integers
 * outside the enumeration match nothing, as in TM; a non-integer element is a 422 (TM: 500).
 */
function typesParam(q: Query): string[] | undefined {
  const raw = last(q, 'messageType')
  if (raw === undefined || raw === '') return undefined
  // A set: `1,1,1,…` repeated thousands of times is still at most eleven types in the query.
  const keys = new Set<string>()
  for (const part of raw.split(',')) {
    const key = keyByValue.get(intAt(['query', 'messageType'], part))
    if (key) keys.add(key)
  }
  return [...keys]
}

/** Every message of the caller, or only those of the types `messageType` names. */
export const typesFilter = (q: Query): InboxFilter => {
  const types = typesParam(q)
  return types ? { ...EVERY_STATE, types } : { ...EVERY_STATE }
}

const SORTS: Record<string, Sort['field']> = {
  date: 'createdAt',
  message_type: 'type',
  from_user_id: 'actorId',
  project_id: 'projectId',
  read: 'read',
}

function sortParam(q: Query): Sort {
  const field = SORTS[last(q, 'sortBy') ?? 'date'] ?? 'createdAt'
  const direction = last(q, 'sortDirection')?.toLowerCase() === 'asc' ? 'asc' : 'desc'
  if (field === 'type') return { field, direction, rank: TYPE_RANK }
  if (field === 'actorId' || field === 'projectId') return { field, direction, numeric: true }
  return { field, direction }
}

/**
 * `from` becomes an ILIKE pattern, whose cost grows with its length: past `max` characters it is
 * pydantic's string_too_long (TM has no bound), echoing only the first `max` characters.
 */
function fromParam(q: Query, max: number): string | undefined {
  const from = last(q, 'from')
  if (from === undefined || from.length <= max) return from
  const msg = `String should have at most ${max} characters`
  const loc = ['query', 'from']
  throw unprocessable({
    type: 'string_too_long',
    loc,
    msg,
    input: from.slice(0, max),
    ctx: { max_length: max },
  })
}

/** The list's filter, page and sort from its query string; `maxText` bounds `from`. */
export function listParams(q: Query, maxText: number) {
  const filter = typesFilter(q)
  const from = fromParam(q, maxText)
  if (from) filter.actorUsernameLike = `${from}%`
  // `project` counts as set when present and non-empty, so `project=0` filters on project 0.
  const project = last(q, 'project') ? queryInt(q, 'project') : undefined
  if (project !== undefined) filter.projectId = project.toString()
  const task = queryInt(q, 'taskId')
  if (task !== undefined && task !== 0n) filter.targetId = task.toString()
  const status = last(q, 'status')
  if (status === 'read' || status === 'unread') filter.read = status === 'read'
  const page = Number(queryInt(q, 'page', { min: 1, max: PAGE_MAX }) ?? 1)
  const size = Number(queryInt(q, 'pageSize', { min: 1, max: PAGE_SIZE_MAX }) ?? 10)
  return { filter, sort: sortParam(q), page, size }
}

const SAFE: Bounds = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }

/** A message id in the path: an int (422 otherwise); ids Herald cannot hold are a 422 too. */
export const pathId = (raw: string): number => Number(intAt(['path', 'message_id'], raw, SAFE))

// ---- Bodies ----

/** A request body that was sent but is not JSON; only routes that read a body refuse it. */
export class BadJson {
  constructor(readonly reason: string) {}
}

/** A body that is not a JSON object, as pydantic describes it. */
function notAnObject(body: unknown): DetailItem {
  if (body instanceof BadJson) {
    const ctx = { error: body.reason }
    return { type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {}, ctx }
  }
  if (body === undefined) {
    return { type: 'missing', loc: ['body'], msg: 'Field required', input: null }
  }
  const msg = 'Input should be a valid dictionary or object to extract fields from'
  return { type: 'model_attributes_type', loc: ['body'], msg, input: body }
}

/** One id with pydantic's lax int: digit strings and whole numbers pass. */
function laxInt(v: unknown, loc: Array<string | number>): number | DetailItem {
  if (typeof v === 'number' && Number.isInteger(v)) return v
  const n = typeof v === 'string' ? parseInt10(v) : null
  if (n !== null) return Number(n)
  if (typeof v !== 'number') return intParsing(loc, v)
  const msg = 'Input should be a valid integer, got a number with a fractional part'
  return { type: 'int_from_float', loc, msg, input: v }
}

/** `{"messageIds":[int,...]}`; a 422 in pydantic's words for anything else. */
export function messageIdsBody(body: unknown): number[] {
  if (body === null || typeof body !== 'object' || body instanceof BadJson || Array.isArray(body)) {
    throw unprocessable(notAnObject(body))
  }
  const ids: unknown = 'messageIds' in body ? body.messageIds : undefined
  const loc = ['body', 'messageIds']
  if (ids === undefined) {
    throw unprocessable({ type: 'missing', loc, msg: 'Field required', input: body })
  }
  if (!Array.isArray(ids)) {
    throw unprocessable({ type: 'list_type', loc, msg: 'Input should be a valid list', input: ids })
  }
  if (ids.length > IDS_MAX) {
    const msg = `List should have at most ${IDS_MAX} items after validation, not ${ids.length}`
    const ctx = { field_type: 'List', max_length: IDS_MAX, actual_length: ids.length }
    throw unprocessable({ type: 'too_long', loc, msg, input: null, ctx })
  }
  const parsed = ids.map((v, i) => laxInt(v, [...loc, i]))
  const errors = parsed.filter((p): p is DetailItem => typeof p !== 'number')
  if (errors.length > 0) throw unprocessable(...errors)
  return parsed.filter((p): p is number => typeof p === 'number')
}

// ---- Responses ----

const IntOrNull = T.Union([T.Integer(), T.Null()])
const StrOrNull = T.Union([T.String(), T.Null()])

const ITEM = {
  messageId: T.Integer(),
  subject: T.String(),
  message: T.String(),
  fromUsername: StrOrNull,
  displayPictureUrl: StrOrNull,
  projectId: IntOrNull,
  projectTitle: StrOrNull,
  taskId: IntOrNull,
  messageType: StrOrNull,
  sentDate: T.String(),
  read: T.Boolean(),
}

export const SingleOut = T.Object(
  { ...ITEM, fromUserId: IntOrNull },
  { description: 'The message, as it was before this call marked it read' },
)
export const ListOut = T.Object(
  {
    pagination: T.Object({
      hasNext: T.Boolean(),
      hasPrev: T.Boolean(),
      nextNum: IntOrNull,
      page: T.Integer(),
      pages: T.Integer(),
      prevNum: IntOrNull,
      perPage: T.Integer(),
      total: T.Integer(),
    }),
    userMessages: T.Array(T.Object(ITEM)),
  },
  { description: "A page of the caller's messages" },
)

/** TM ids are integers; a Herald id that is not one (or too large for JSON) renders as null. */
function intId(id: string | null | undefined): number | null {
  if (id === null || id === undefined || !/^\d{1,16}$/.test(id)) return null
  const n = Number(id)
  return Number.isSafeInteger(n) ? n : null
}

/** The caller in TM's error bodies: the integer when the Herald id is all digits, else as is. */
export const callerId = (v: Viewer): number | string => intId(v.userId) ?? v.userId

/** Python's `naive_utc.isoformat() + "Z"`: microseconds only when non-zero. */
function sentDate(d: Date): string {
  const iso = d.toISOString()
  const ms = d.getUTCMilliseconds()
  const base = iso.slice(0, iso.indexOf('.'))
  return ms === 0 ? `${base}Z` : `${base}.${String(ms).padStart(3, '0')}000Z`
}

/** One message as TM's list renders it (no `fromUserId` there: TM excludes it). */
export function listItem(n: Notification) {
  const messageType = nameByKey.get(n.type) ?? null
  const projectId = intId(n.project?.id)
  return {
    messageId: n.id,
    subject: n.title,
    message: n.body,
    fromUsername: n.actor?.username ?? null,
    displayPictureUrl: n.actor?.avatarUrl ?? null,
    projectId,
    projectTitle: projectId === null || messageType === null ? null : (n.project?.title ?? ''),
    taskId: intId(n.target?.id),
    messageType,
    sentDate: sentDate(n.createdAt),
    read: n.readAt !== null,
  }
}

export const singleItem = (n: Notification) => ({ ...listItem(n), fromUserId: intId(n.actor?.id) })

/** Flask-SQLAlchemy's pagination block, as TM's list returns it. */
export function pagination(page: number, perPage: number, total: number) {
  const pages = Math.ceil(total / perPage)
  const hasNext = page < pages
  const hasPrev = page > 1
  const nextNum = hasNext ? page + 1 : null
  const prevNum = hasPrev ? page - 1 : null
  return { hasNext, hasPrev, nextNum, page, pages, prevNum, perPage, total }
}
