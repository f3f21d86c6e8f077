import type { InboxFilter, Sort, TimeRange } from '../../../core/filters.ts'
import { invalidFilterValue, JsonApiError } from './errors.ts'

export const PAGE_SIZE_DEFAULT = 30
export const PAGE_SIZE_MAX = 200
// Keeps OFFSET inside what both engines take as a plain integer.
const PAGE_NUMBER_MAX = 2_147_483_647
const LIST_MAX = 1000
const TEXT_MAX = 256

/** The list request as core needs it, plus the parameters its links repeat. */
export interface ListQuery {
  filter: InboxFilter
  sort: Sort
  number: number
  size: number
  /** `key=value` pairs, already encoded, that `first`/`last`/... links carry besides the page. */
  echo: string[]
}

/** The filter operators Productive names; only `eq` means anything on this endpoint. */
const OPERATORS = ['eq', 'not_eq', 'contains', 'not_contain', 'gt', 'gt_eq', 'lt', 'lt_eq']

const unsupportedFilter = (name: string) =>
  new JsonApiError(400, 'Unsupported Filter', `Filter '${name}' is not supported on this endpoint`)

/** Ruby's CGI.escape, which Rails' `to_query` uses for link query strings. */
export const cgiEscape = (s: string): string =>
  encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')

const bool = (name: string, v: string): boolean => {
  const s = v.toLowerCase()
  if (s === 'true' || s === '1') return true
  if (s === 'false' || s === '0') return false
  throw invalidFilterValue(name, v)
}

const list = (name: string, v: string, ok: (item: string) => boolean): string[] => {
  const items = v.split(',').map((s) => s.trim())
  if (items.length > LIST_MAX || items.some((s) => s === '' || !ok(s))) {
    throw invalidFilterValue(name, v)
  }
  return items
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/
// A space before the offset is a `+` that was not URL-encoded.
const STAMP =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?(Z|[+\- ]\d{2}:?\d{2})?$/i

// Both engines' drivers write four-digit years only; nothing is stored past this instant anyway.
const LAST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999)
const clamp = (d: Date): Date => (d.getTime() > LAST_INSTANT ? new Date(LAST_INSTANT) : d)

/** Midnight UTC of a real calendar day `YYYY-MM-DD`, or null. */
function midnight(text: string): Date | null {
  const m = DAY.exec(text)
  if (!m) return null
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const at = new Date(Date.UTC(y, mo - 1, d))
  return y >= 1000 && at.getUTCMonth() === mo - 1 && at.getUTCDate() === d ? at : null
}

/** A calendar day at 00:00 UTC (the organization's zone is taken to be UTC), plus some days. */
function day(name: string, v: string, offsetDays = 0): Date {
  const at = midnight(v)
  if (!at) throw invalidFilterValue(name, v)
  at.setUTCDate(at.getUTCDate() + offsetDays)
  return clamp(at)
}

/** An ISO 8601 date or date-time; one without a zone is UTC. */
function stamp(name: string, v: string): Date {
  const m = STAMP.exec(v)
  const [, date = '', time = '00:00', zone = 'Z'] = m ?? []
  const at = new Date(`${date}T${time}${zone.replace(' ', '+')}`)
  if (!m || !midnight(date) || Number.isNaN(at.getTime())) throw invalidFilterValue(name, v)
  return clamp(at)
}

const earlier = (a: Date | undefined, b: Date) => (a && a < b ? a : b)

type Apply = (f: InboxFilter, range: TimeRange, v: string) => void

/** The union of the documented filters and the ones the document's own examples use. */
const FILTERS: Record<string, Apply> = {
  id: (f, _, v) => {
    f.ids = list('id', v, (s) => /^\d{1,15}$/.test(s)).map(Number)
  },
  dismissed: (f, _, v) => {
    f.dismissed = bool('dismissed', v) ? 'only' : 'exclude'
  },
  important: (f, _, v) => {
    f.important = bool('important', v)
  },
  type: (f, _, v) => {
    f.targetTypes = list('type', v, (s) => s.length <= TEXT_MAX)
  },
  project_id: (f, _, v) => {
    if (v === '' || v.length > TEXT_MAX || v.includes(','))
      throw invalidFilterValue('project_id', v)
    f.projectId = v
  },
  date_before: (_, r, v) => {
    r.lt = earlier(r.lt, day('date_before', v))
  },
  date_after: (_, r, v) => {
    r.gte = day('date_after', v, 1)
  },
  before: (_, r, v) => {
    r.lt = earlier(r.lt, stamp('before', v))
  },
  after: (_, r, v) => {
    r.gt = stamp('after', v)
  },
}

const SORTS: Record<string, Sort['field']> = {
  id: 'id',
  last_action_at: 'lastActionAt',
  created_at: 'createdAt',
}

export const DEFAULT_SORT: Sort = { field: 'lastActionAt', direction: 'desc', nulls: 'last' }

function parseSort(v: string): Sort {
  if (v === '') return DEFAULT_SORT
  const desc = v.startsWith('-')
  const field = SORTS[desc ? v.slice(1) : v]
  if (!field) {
    throw new JsonApiError(
      400,
      'Invalid sort criteria',
      `${v} is not a valid sort criteria for notifications`,
    )
  }
  // Rows without a last action always come after those with one, in either direction.
  return {
    field,
    direction: desc ? 'desc' : 'asc',
    ...(field === 'lastActionAt' && { nulls: 'last' }),
  }
}

function pageValue(key: 'number' | 'size', v: string): number {
  const n = /^\d{1,10}$/.test(v) ? Number(v) : Number.NaN
  const max = key === 'size' ? PAGE_SIZE_MAX : PAGE_NUMBER_MAX
  if (key === 'size' && n > PAGE_SIZE_MAX) {
    throw new JsonApiError(
      400,
      'Invalid page value',
      `size exceeds maximum page size of ${PAGE_SIZE_MAX}.`,
    )
  }
  if (!(n >= 1 && n <= max)) {
    throw new JsonApiError(
      400,
      'Invalid page value',
      `${v} is not a valid value for ${key} page parameter.`,
    )
  }
  return n
}

const FILTER_KEY = /^filter\[([^[\]]*)\](?:\[([^[\]]*)\])?$/
const PAGE_KEY = /^page\[([^[\]]*)\]$/

interface Raw {
  filters: Map<string, { op: string | null; value: string }>
  page: Map<string, string>
  sort: string
}

/** Splits the query string; a repeated parameter keeps its last value, as Rails does. */
function split(search: string): Raw {
  const raw: Raw = { filters: new Map(), page: new Map(), sort: '' }
  for (const [key, value] of new URLSearchParams(search)) {
    if (key === 'sort') raw.sort = value
    else if (key === 'filter' || key.startsWith('filter[')) {
      const m = FILTER_KEY.exec(key)
      if (!m) {
        throw new JsonApiError(
          400,
          'Invalid filters syntax',
          `${key === 'filter' ? value : key} is not a valid syntax for filtering.`,
        )
      }
      raw.filters.set(m[1] ?? '', { op: m[2] ?? null, value })
    } else if (key === 'page' || key.startsWith('page[')) {
      const m = PAGE_KEY.exec(key)
      if (!m) throw new JsonApiError(400, 'Invalid Page Object', 'Invalid Page Object.')
      if (m[1] !== 'number' && m[1] !== 'size') {
        throw new JsonApiError(
          400,
          'Page parameter not allowed',
          `${m[1]} is not an allowed page parameter.`,
        )
      }
      raw.page.set(m[1], value)
    }
    // Other parameters (include, fields, cache busters) are ignored rather than refused.
  }
  return raw
}

/** Parses `filter[...]`, `sort` and `page[...]` of a list request (the part after `?`). */
export function parseListQuery(search: string): ListQuery {
  const raw = split(search)
  const filter: InboxFilter = { dismissed: 'include' }
  const range: TimeRange = {}
  const echo: string[] = []
  for (const [name, { op, value }] of raw.filters) {
    const apply = FILTERS[name]
    if (!apply) throw unsupportedFilter(name)
    if (op !== null && op !== 'eq') {
      throw new JsonApiError(
        400,
        'Unsupported Filter',
        OPERATORS.includes(op)
          ? `Filter '${name}' does not support the '${op}' operator on this endpoint`
          : `Operator '${op}' is not a filter operator`,
      )
    }
    apply(filter, range, value)
    const key = op === null ? `filter[${name}]` : `filter[${name}][${op}]`
    echo.push(`${cgiEscape(key)}=${cgiEscape(value)}`)
  }
  if (Object.keys(range).length > 0) filter.lastActionAt = range
  const sort = parseSort(raw.sort)
  if (raw.sort !== '') echo.push(`sort=${cgiEscape(raw.sort)}`)
  const number = pageValue('number', raw.page.get('number') ?? '1')
  const size = pageValue('size', raw.page.get('size') ?? String(PAGE_SIZE_DEFAULT))
  return { filter, sort, number, size, echo }
}
