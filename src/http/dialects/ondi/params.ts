import { EVERY_STATE, type InboxFilter } from '../../../core/filters.ts'
import { isUuid } from './auth.ts'
import { badPagination, ondiError } from './errors.ts'

export const LIMIT_MAX = 100
/** Ondi has no bound on `page`; Herald keeps one so the offset stays a sane number. */
export const PAGE_MAX = 1_000_000
/** Ondi has no bound on how many ids one mark-read names; Herald keeps one. */
export const IDS_MAX = 1000

export interface ListParams {
  page: number
  limit: number
  filter: InboxFilter
}

/** A positive integer in plain digits, within `max`; empty or absent means the default. */
function positive(raw: unknown, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback
  if (typeof raw !== 'string' || !/^\d{1,16}$/.test(raw)) throw badPagination()
  const n = Number(raw)
  if (n < 1 || n > max) throw badPagination()
  return n
}

export function parseListQuery(query: Record<string, unknown>): ListParams {
  const page = positive(query.page, 1, PAGE_MAX)
  const limit = positive(query.limit, 20, LIMIT_MAX)
  const filter: InboxFilter = { ...EVERY_STATE }
  const readStatus = query.read_status
  if (readStatus === 'true' || readStatus === 'false') filter.read = readStatus === 'true'
  else if (readStatus !== undefined && readStatus !== '') {
    throw ondiError(400, 'Invalid read_status')
  }
  const type = query.notification_type
  // A repeated parameter, or a NUL no stored type can hold, is not a type name.
  if (type !== undefined && (typeof type !== 'string' || type.includes('\u0000'))) {
    throw ondiError(400, 'Invalid notification_type')
  }
  if (type) filter.types = [type]
  return { page, limit, filter }
}

/** The ids of a mark-read body, or null for "every unread one". */
export function parseMarkReadBody(body: unknown): unknown[] | null {
  if (body === undefined) return null
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw ondiError(400, 'Request body must be a JSON object')
  }
  if (!Object.hasOwn(body, 'notification_ids')) return null
  const ids = (body as { notification_ids: unknown }).notification_ids
  if (!Array.isArray(ids)) throw ondiError(400, 'notification_ids must be an array')
  if (ids.length > IDS_MAX) {
    throw ondiError(400, `notification_ids may hold at most ${IDS_MAX} IDs`)
  }
  return ids.length === 0 ? null : ids
}

/** Ids that are not even strings in UUID form; core judges the rest. */
export const malformed = (ids: unknown[]): boolean => ids.some((id) => !isUuid(id))
