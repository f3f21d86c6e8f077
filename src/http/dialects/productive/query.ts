import type { InboxFilter, Sort, TimeRange } from '../../../core/filters.ts'
import { jsonApiError } from './errors.ts'
import { filterNamed } from './filters.ts'

export const PAGE_SIZE_DEFAULT = 30
export const PAGE_SIZE_MAX = 200
// Keeps OFFSET inside what both engines take as a plain integer.
const PAGE_NUMBER_MAX = 2_147_483_647

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
  jsonApiError(400, 'Unsupported Filter', `Filter '${name}' is not supported on this endpoint`)

/** Ruby's CGI.escape, which Rails' `to_query` uses for link query strings. */
export const cgiEscape = (s: string): string =>
  encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')

const SORTS: Record<string, Sort['field']> = {
  id: 'id',
  last_action_at: 'lastActionAt',
  created_at: 'createdAt',
}

export const DEFAULT_SORT: Sort = { field: 'lastActionAt', direction: 'desc', nulls: 'last' }

function parseSort(v: string): Sort {
  if (v === '') return DEFAULT_SORT
  const desc = v.startsWith('-')
  const key = desc ? v.slice(1) : v
  const field = Object.hasOwn(SORTS, key) ? SORTS[key] : undefined
  if (!field) {
    throw jsonApiError(
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
    throw jsonApiError(
      400,
      'Invalid page value',
      `size exceeds maximum page size of ${PAGE_SIZE_MAX}.`,
    )
  }
  if (!(n >= 1 && n <= max)) {
    throw jsonApiError(
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
        throw jsonApiError(
          400,
          'Invalid filters syntax',
          `${key === 'filter' ? value : key} is not a valid syntax for filtering.`,
        )
      }
      raw.filters.set(m[1] ?? '', { op: m[2] ?? null, value })
    } else if (key === 'page' || key.startsWith('page[')) {
      const m = PAGE_KEY.exec(key)
      if (!m) throw jsonApiError(400, 'Invalid Page Object', 'Invalid Page Object.')
      if (m[1] !== 'number' && m[1] !== 'size') {
        throw jsonApiError(
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
    const apply = filterNamed(name)
    if (!apply) throw unsupportedFilter(name)
    if (op !== null && op !== 'eq') {
      throw jsonApiError(
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
