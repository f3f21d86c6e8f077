import { EVERY_STATE, type InboxFilter, type Sort } from '../../../core/filters.ts'
import { type DetailItem, intParsing, outOfRange, unprocessable } from './errors.ts'
import { TYPE_RANK, typeKeyOf } from './types.ts'

/** A bound TM does not have: past it the real service crashes or scans without limit. */
export const PAGE_SIZE_MAX = 1000
export const PAGE_MAX = 2_147_483_647
export const IDS_MAX = 1000

type Query = Record<string, string | string[] | undefined>

/** Starlette hands a scalar parameter its last value when a key repeats. */
const last = (q: Query, key: string): string | undefined => {
  const v = q[key]
  return Array.isArray(v) ? v.at(-1) : v
}

/** Python `int()` on a string: optional whitespace and sign, then digits. */
const INT = /^\s*[+-]?\d+\s*$/
export const parseInt10 = (s: string): bigint | null => (INT.test(s) ? BigInt(s.trim()) : null)

/** An int parameter with pydantic's errors; `bounds` are Herald's, where TM has none. */
function intParam(q: Query, key: string, fallback: number, min: number, max: number): number {
  const raw = last(q, key)
  if (raw === undefined) return fallback
  const n = parseInt10(raw)
  const loc = ['query', key]
  if (n === null) throw unprocessable(intParsing(loc, raw))
  if (n < BigInt(min)) throw unprocessable(outOfRange(loc, raw, { ge: min }))
  if (n > BigInt(max)) throw unprocessable(outOfRange(loc, raw, { le: max }))
  return Number(n)
}

/**
 * `messageType=1,2,3` as Herald type keys; undefined when absent or empty (no filter). Integers
 * outside the enumeration match nothing, as in TM; a non-integer element is a 422 (TM: 500).
 */
export function typesParam(q: Query): string[] | undefined {
  const raw = last(q, 'messageType')
  if (raw === undefined || raw === '') return undefined
  const keys: string[] = []
  for (const part of raw.split(',')) {
    const n = parseInt10(part)
    if (n === null) throw unprocessable(intParsing(['query', 'messageType'], part))
    const key = n <= 1000n && n >= 0n ? typeKeyOf(Number(n)) : undefined
    if (key) keys.push(key)
  }
  return keys
}

const SORTS: Record<string, Sort['field']> = {
  date: 'createdAt',
  message_type: 'type',
  from_user_id: 'actorId',
  project_id: 'projectId',
  read: 'read',
}

export function sortParam(q: Query): Sort {
  const field = SORTS[last(q, 'sortBy') ?? 'date'] ?? 'createdAt'
  const direction = last(q, 'sortDirection')?.toLowerCase() === 'asc' ? 'asc' : 'desc'
  if (field === 'type') return { field, direction, rank: TYPE_RANK }
  if (field === 'actorId' || field === 'projectId') return { field, direction, numeric: true }
  return { field, direction }
}

/** The list's filter, page and sort from its query string. */
export function listParams(q: Query) {
  const filter: InboxFilter = { ...EVERY_STATE }
  const types = typesParam(q)
  if (types) filter.types = types
  const from = last(q, 'from')
  if (from) filter.actorUsernameLike = `${from}%`
  const project = last(q, 'project')
  if (project) {
    const n = parseInt10(project)
    if (n === null) throw unprocessable(intParsing(['query', 'project'], project))
    filter.projectId = n.toString()
  }
  const task = last(q, 'taskId')
  if (task !== undefined) {
    const n = parseInt10(task)
    if (n === null) throw unprocessable(intParsing(['query', 'taskId'], task))
    if (n !== 0n) filter.targetId = n.toString()
  }
  const status = last(q, 'status')
  if (status === 'read' || status === 'unread') filter.read = status === 'read'
  const page = intParam(q, 'page', 1, 1, PAGE_MAX)
  const size = intParam(q, 'pageSize', 10, 1, PAGE_SIZE_MAX)
  return { filter, sort: sortParam(q), page, size }
}

/** A message id in the path: an int (422 otherwise); ids Herald cannot hold are a 422 too. */
export function pathId(raw: string): number {
  const n = parseInt10(raw)
  const loc = ['path', 'message_id']
  if (n === null) throw unprocessable(intParsing(loc, raw))
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw unprocessable(outOfRange(loc, raw, { le: Number.MAX_SAFE_INTEGER }))
  }
  if (n < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw unprocessable(outOfRange(loc, raw, { ge: Number.MIN_SAFE_INTEGER }))
  }
  return Number(n)
}

/** A request body that was sent but is not JSON; only routes that read a body refuse it. */
export class BadJson {
  constructor(readonly reason: string) {}
}

/** `{"messageIds":[int,...]}` with pydantic's lax ints (digit strings and whole floats pass). */
export function messageIdsBody(body: unknown): number[] {
  if (body instanceof BadJson) {
    throw unprocessable({
      type: 'json_invalid',
      loc: ['body', 0],
      msg: 'JSON decode error',
      input: {},
      ctx: { error: body.reason },
    })
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw unprocessable({
      type: body === undefined ? 'missing' : 'model_attributes_type',
      loc: ['body'],
      msg:
        body === undefined
          ? 'Field required'
          : 'Input should be a valid dictionary or object to extract fields from',
      input: body ?? null,
    })
  }
  const ids = (body as Record<string, unknown>).messageIds
  const loc = ['body', 'messageIds']
  if (ids === undefined) {
    throw unprocessable({ type: 'missing', loc, msg: 'Field required', input: body })
  }
  if (!Array.isArray(ids)) {
    throw unprocessable({ type: 'list_type', loc, msg: 'Input should be a valid list', input: ids })
  }
  if (ids.length > IDS_MAX) {
    throw unprocessable({
      type: 'too_long',
      loc,
      msg: `List should have at most ${IDS_MAX} items after validation, not ${ids.length}`,
      input: null,
      ctx: { field_type: 'List', max_length: IDS_MAX, actual_length: ids.length },
    })
  }
  const errors: DetailItem[] = []
  const out: number[] = []
  ids.forEach((v, i) => {
    const n = typeof v === 'number' && Number.isInteger(v) ? v : laxInt(v)
    if (n !== null) out.push(n)
    else if (typeof v === 'number') errors.push(fractional([...loc, i], v))
    else errors.push(intParsing([...loc, i], v))
  })
  if (errors.length > 0) throw unprocessable(...errors)
  return out
}

const fractional = (loc: Array<string | number>, input: number): DetailItem => ({
  type: 'int_from_float',
  loc,
  msg: 'Input should be a valid integer, got a number with a fractional part',
  input,
})

const laxInt = (v: unknown): number | null => {
  if (typeof v !== 'string') return null
  const n = parseInt10(v)
  return n === null ? null : Number(n)
}
