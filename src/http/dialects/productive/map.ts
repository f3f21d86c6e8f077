import type { FastifyRequest } from 'fastify'
import { type Static, Type as T } from 'typebox'
import type { InboxFilter, PageNumbered, Sort, TimeRange } from '../../../core/filters.ts'
import type { Notification, Principal, Ref } from '../../../core/notification.ts'
import type { StateChange } from '../../../core/store.ts'
import {
  filterValueTooLong,
  forbidden,
  invalidFilterSyntax,
  invalidFilterValue,
  invalidPageObject,
  invalidPageValue,
  invalidSort,
  pageParameterNotAllowed,
  recordNotFound,
  unsupportedFilter,
  unsupportedOperator,
} from './errors.ts'

const single = (v: string | string[] | undefined): string | undefined =>
  typeof v === 'string' ? v.trim() : undefined

/** Productive's credential: a Herald user token in `X-Auth-Token`. */
export const credential = (req: FastifyRequest): string | null =>
  single(req.headers['x-auth-token']) || null

/** Of a token's tenants (a person in several organizations), the one `X-Organization-Id` names. */
export const chooseTenant = (req: FastifyRequest, tenants: readonly string[]) => {
  const org = single(req.headers['x-organization-id'])
  return org ? tenants.find((t) => t === org) : undefined
}

/**
 * `X-Organization-Id` must name the tenant the token acts in (its own, or one its `tenants` claim
 * lists, chosen by chooseTenant): missing or another organization is 403.
 */
export function admit(req: FastifyRequest, principal: Principal): void {
  const org = single(req.headers['x-organization-id'])
  if (!org) throw forbidden('Send your organization in X-Organization-Id.')
  if (org !== principal.tenantId) throw forbidden(`You are not a member of organization ${org}.`)
}

/** A notification id in the path; one that cannot be an id is simply not found. */
export function notificationId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw recordNotFound(raw)
  return Number(raw)
}

/** What each PATCH member route does; `read` leaves `dismissed` alone and `dismiss` leaves `read`. */
export const ACTIONS: Record<string, StateChange> = {
  read: { action: 'read' },
  dismiss: { action: 'dismiss' },
  undismiss: { action: 'undismiss' },
}

const LIST_MAX = 1000
const TEXT_MAX = 256

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

const PAGE_SIZE_DEFAULT = 30
const PAGE_SIZE_MAX = 200
// Keeps OFFSET inside what both engines take as a plain integer.
const PAGE_NUMBER_MAX = 2_147_483_647

/** The filter operators Productive names; only `eq` means anything on this endpoint. */
const OPERATORS = ['eq', 'not_eq', 'contains', 'not_contain', 'gt', 'gt_eq', 'lt', 'lt_eq']

const SORTS: Record<string, Sort['field']> = {
  id: 'id',
  last_action_at: 'lastActionAt',
  created_at: 'createdAt',
}

const DEFAULT_ORDER: Sort = { field: 'lastActionAt', direction: 'desc', nulls: 'last' }

/** The list request as core takes it, plus the parameters its links repeat. */
interface ListRequest {
  filter: InboxFilter
  sort: Sort
  page: PageNumbered
  /** `key=value` pairs, already encoded, that `first`/`last`/... links carry besides the page. */
  echo: string[]
}

/** Ruby's CGI.escape, which Rails' `to_query` uses for link query strings. */
const cgiEscape = (s: string): string =>
  encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')

function parseSort(v: string): Sort {
  if (v === '') return DEFAULT_ORDER
  const desc = v.startsWith('-')
  const key = desc ? v.slice(1) : v
  const field = Object.hasOwn(SORTS, key) ? SORTS[key] : undefined
  if (!field) throw invalidSort(v)
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
    throw invalidPageValue(`size exceeds maximum page size of ${PAGE_SIZE_MAX}.`)
  }
  if (!(n >= 1 && n <= max)) {
    throw invalidPageValue(`${v} is not a valid value for ${key} page parameter.`)
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
      if (!m) throw invalidFilterSyntax(key === 'filter' ? value : key)
      raw.filters.set(m[1] ?? '', { op: m[2] ?? null, value })
    } else if (key === 'page' || key.startsWith('page[')) {
      const m = PAGE_KEY.exec(key)
      if (!m) throw invalidPageObject()
      if (m[1] !== 'number' && m[1] !== 'size') throw pageParameterNotAllowed(m[1] ?? '')
      raw.page.set(m[1], value)
    }
    // Other parameters (include, fields, cache busters) are ignored rather than refused.
  }
  return raw
}

/**
 * `filter[...]`, `sort` and `page[...]` of a list request, read from its raw URL. A filter value
 * longer than `maxText` is refused: values become SQL patterns and list elements.
 */
export function parseListQuery(url: string, maxText: number): ListRequest {
  const raw = split(url.split('?')[1] ?? '')
  const filter: InboxFilter = { dismissed: 'include' }
  const range: TimeRange = {}
  const echo: string[] = []
  for (const [name, { op, value }] of raw.filters) {
    const apply = Object.hasOwn(FILTERS, name) ? FILTERS[name] : undefined
    if (!apply) throw unsupportedFilter(name)
    if (op !== null && op !== 'eq') throw unsupportedOperator(name, op, OPERATORS.includes(op))
    if (value.length > maxText) throw filterValueTooLong(name, maxText)
    apply(filter, range, value)
    const key = op === null ? `filter[${name}]` : `filter[${name}][${op}]`
    echo.push(`${cgiEscape(key)}=${cgiEscape(value)}`)
  }
  if (Object.keys(range).length > 0) filter.lastActionAt = range
  const sort = parseSort(raw.sort)
  if (raw.sort !== '') echo.push(`sort=${cgiEscape(raw.sort)}`)
  const page = pageValue('number', raw.page.get('number') ?? '1')
  const size = pageValue('size', raw.page.get('size') ?? String(PAGE_SIZE_DEFAULT))
  return { filter, sort, page: { kind: 'numbered', page, size }, echo }
}

// Type lists, not unions: the serializer then picks by the value's type instead of validating.
const OrNull = <V>(...type: string[]) => T.Unsafe<V | null>({ type: [...type, 'null'] })
const RefId = OrNull<number | string>('integer', 'string')
const Text = OrNull<string>('string')
const Link = T.Object({ data: T.Object({ type: T.String(), id: T.String() }) })

/** The resource object: all 20 attributes, always, in the document's order. */
const Resource = T.Object({
  id: T.String(),
  type: T.Literal('notifications'),
  attributes: T.Object({
    target_id: RefId,
    target_type: Text,
    target_title: Text,
    parent_id: RefId,
    parent_type: Text,
    parent_title: Text,
    title: T.String(),
    read: T.Boolean(),
    dismissed: T.Boolean(),
    new_activities_count: T.Integer(),
    excerpt: T.String(),
    last_action_at: Text,
    first_unread_activity_id: OrNull<number | string>('number', 'string'),
    changeset: T.Array(T.Unknown()),
    important: T.Boolean(),
    mention: T.Boolean(),
    target_label: Text,
    made_by_automation: T.Boolean(),
    root_id: RefId,
    root_type: Text,
  }),
  relationships: T.Object({
    organization: Link,
    actor: T.Object({ meta: T.Object({ included: T.Boolean() }) }),
    owner: Link,
  }),
})

export const SingleDocument = T.Object(
  { data: Resource, meta: T.Object({}) },
  { description: 'The notification, as a JSON:API document' },
)

export const ListDocument = T.Object(
  {
    data: T.Array(Resource),
    // The serializer writes required keys before optional ones: `last` is optional here only so
    // that it stays after `prev` and `next`, where jsonapi-resources puts it.
    links: T.Object({
      first: T.String(),
      prev: T.Optional(T.String()),
      next: T.Optional(T.String()),
      last: T.Optional(T.String()),
    }),
    meta: T.Object({
      current_page: T.Integer(),
      total_pages: T.Integer(),
      total_count: T.Integer(),
      page_size: T.Integer(),
      max_page_size: T.Integer(),
    }),
  },
  { description: "A page of the caller's notifications, as a JSON:API document" },
)

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null)

/** Productive's ids are integers; an id that is one renders as a number, anything else as given. */
const refId = (r: Ref | null): number | string | null => {
  if (!r) return null
  return /^(0|[1-9]\d{0,14})$/.test(r.id) ? Number(r.id) : r.id
}

const lower = (s: string | null | undefined): string | null => (s ? s.toLowerCase() : null)

const activityId = (n: Notification): number | string | null => {
  const v = n.data?.first_unread_activity_id
  return typeof v === 'number' || typeof v === 'string' ? v : null
}

function renderResource(n: Notification): Static<typeof Resource> {
  const changeset = n.data?.changeset
  return {
    id: String(n.id),
    type: 'notifications',
    attributes: {
      target_id: refId(n.target),
      target_type: lower(n.target?.type),
      target_title: n.target?.title ?? null,
      parent_id: refId(n.parent),
      parent_type: lower(n.parent?.type),
      parent_title: n.parent?.title ?? null,
      title: n.title,
      read: n.readAt !== null,
      dismissed: n.archivedAt !== null,
      new_activities_count: n.activityCount,
      excerpt: n.body,
      last_action_at: iso(n.lastActionAt),
      first_unread_activity_id: activityId(n),
      changeset: Array.isArray(changeset) ? changeset : [],
      important: n.important,
      mention: n.mention,
      target_label: lower(n.target?.label),
      made_by_automation: n.automated,
      root_id: refId(n.root),
      root_type: lower(n.root?.type),
    },
    relationships: {
      organization: { data: { type: 'organizations', id: n.tenantId } },
      actor: { meta: { included: false } },
      owner: { data: { type: 'organization_memberships', id: n.recipientId } },
    },
  }
}

export const singleDocument = (n: Notification): Static<typeof SingleDocument> => ({
  data: renderResource(n),
  meta: {},
})

/** `first`, `prev`, `next`, `last` as jsonapi-resources' paged paginator builds them. */
function links(base: string, q: ListRequest, pages: number) {
  const { page, size } = q.page
  const link = (number: number) => {
    const parts = [
      ...q.echo,
      `${cgiEscape('page[number]')}=${number}`,
      `${cgiEscape('page[size]')}=${size}`,
    ]
    // Rails' to_query sorts the encoded pairs.
    return `${base}?${parts.sort().join('&')}`
  }
  return {
    first: link(1),
    ...(page > 1 && { prev: link(page - 1) }),
    ...(page < pages && { next: link(page + 1) }),
    // An empty collection has zero pages and its `last` link says page 0, as the real service does.
    last: link(pages),
  }
}

/** One page of the list; `base` is the collection's absolute URL without a query. */
export function listDocument(
  items: Notification[],
  total: number,
  q: ListRequest,
  base: string,
): Static<typeof ListDocument> {
  const pages = Math.ceil(total / q.page.size)
  return {
    data: items.map(renderResource),
    links: links(base, q, pages),
    meta: {
      current_page: q.page.page,
      total_pages: pages,
      total_count: total,
      page_size: q.page.size,
      max_page_size: PAGE_SIZE_MAX,
    },
  }
}
