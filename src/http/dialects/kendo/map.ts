import type { FastifyRequest } from 'fastify'
import { Type as T } from 'typebox'
import { EVERY_STATE, PAGE_LIMIT_MAX } from '../../../core/filters.ts'
import type { ListOptions, NotificationId } from '../../../core/inbox.ts'
import type { Notification, Ref } from '../../../core/notification.ts'

/** Laravel's validation errors: every message, by field. */
export type FieldErrors = Record<string, string[]>

const LIST = '/api/notifications'

/** Kendo's paths, as its clients call them under the mount prefix. */
export const PATHS = {
  list: LIST,
  bulkRead: `${LIST}/bulk-read`,
  bulkUnread: `${LIST}/bulk-unread`,
  bulkDelete: `${LIST}/bulk-delete`,
} as const

/** Every route's path as Laravel names it (no slashes) and its methods, for 404 vs 405. */
export const ROUTE_METHODS = new Map<string, string[]>(
  Object.values(PATHS).map((p): [string, string[]] => [
    p.slice(1),
    p === LIST ? ['GET', 'HEAD'] : ['POST'],
  ]),
)

/** Laravel's bearerToken(): what follows the last "Bearer " (case-sensitive), up to a comma. */
export function credential(req: FastifyRequest): string | null {
  const header = req.headers.authorization
  const at = header?.lastIndexOf('Bearer ') ?? -1
  if (header === undefined || at < 0) return null
  const token = header.slice(at + 7).split(',')[0] ?? ''
  return token === '' ? null : token
}

/**
 * Passport's scope rule: GET needs read or write, anything else needs write. A token without any
 * scope claim holds both, so the plain `herald token` works; `*` is every scope.
 */
export function scopeAllows(method: string, scopes: readonly string[]): boolean {
  if (scopes.length === 0 || scopes.includes('*') || scopes.includes('write')) return true
  return method === 'GET' && scopes.includes('read')
}

/**
 * Kendo's list: no query, no paging, every notification of the caller, newest first. Herald reads
 * it in keyset pages and streams the JSON array (see wholeList in routes.ts), so the whole list
 * costs constant memory and never holds the event loop; dismissed and snoozed ones are listed, as
 * Kendo has neither state.
 */
export const LIST_OPTIONS: ListOptions = {
  filter: EVERY_STATE,
  sort: { field: 'createdAt', direction: 'desc' },
  limit: PAGE_LIMIT_MAX,
}

/**
 * Laravel's idea of request input: a JSON body when the content type mentions json, and nothing
 * otherwise. Malformed JSON is not an error there either; it reaches validation as no input, so
 * the client gets the usual 422 instead of a parse failure.
 */
export function parseLaravelInput(contentType: string | undefined, raw: string): unknown {
  const ct = (contentType ?? '').toLowerCase()
  if (!(ct.includes('/json') || ct.includes('+json')) || raw.trim() === '') return undefined
  try {
    return JSON.parse(raw)
  } catch {
    return undefined
  }
}

const FIELD = 'notification_ids'

/**
 * PHP's FILTER_VALIDATE_INT, which Laravel's `integer` rule uses: integers, and strings that spell
 * one (surrounding whitespace and a sign allowed, no leading zeros).
 */
function asInteger(v: unknown): number | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : null
  if (typeof v !== 'string' || !/^\s*[+-]?(0|[1-9]\d*)\s*$/.test(v)) return null
  const n = Number(v.trim())
  return Number.isSafeInteger(n) ? n : null
}

const isMissing = (v: unknown) =>
  v === undefined || v === null || (typeof v === 'string' && v.trim() === '')

/**
 * The field's rules (required, array, min:1, and Herald's max, which Kendo lacks): its elements,
 * or the first failing rule's message. The max comes before any element is read, so a huge list
 * costs no per-element work and its 422 echoes none of it.
 */
function elementsOf(input: unknown, max: number): unknown[] | string {
  if (isMissing(input)) return 'The notification ids field is required.'
  if (!Array.isArray(input)) return 'The notification ids field must be an array.'
  if (input.length === 0) return 'The notification ids field must have at least 1 items.'
  if (input.length > max) return `The notification ids field must not have more than ${max} items.`
  return input
}

/** `notification_ids` read by its rules: each element (null where `integer` failed) and the ids. */
type IdsInput = { errors: FieldErrors } | { values: Array<number | null>; ids: NotificationId[] }

/** The body's `notification_ids`, or the field-level failure Laravel reports for it. */
export function readIds(body: unknown, max: number): IdsInput {
  const input =
    body !== null && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>)[FIELD]
      : undefined
  const elements = elementsOf(input, max)
  if (typeof elements === 'string') return { errors: { [FIELD]: [elements] } }
  const values = elements.map(asInteger)
  return { values, ids: [...new Set(values.filter((v): v is number => v !== null))] }
}

/**
 * Per-element messages in element order, as Laravel reports a `.*` rule: `integer` where it
 * failed, otherwise "selected is invalid" for an id that is not the caller's.
 */
export function idErrors(
  values: Array<number | null>,
  refused: readonly NotificationId[],
): FieldErrors {
  const bad = new Set(refused)
  const errors: FieldErrors = {}
  values.forEach((v, i) => {
    if (v === null) errors[`${FIELD}.${i}`] = [`The ${FIELD}.${i} field must be an integer.`]
    else if (bad.has(v)) errors[`${FIELD}.${i}`] = [`The selected ${FIELD}.${i} is invalid.`]
  })
  return errors
}

/**
 * Kendo's notification type enumeration onto core type keys: the only place the mapping lives.
 * A producer sends the key (`type: 'lane_change'`); the dialect renders the integer.
 */
const KENDO_TYPES = { 1: 'assignment', 2: 'comment', 3: 'lane_change', 4: 'mention' } as const

const TYPE_BY_KEY = new Map<string, number>(
  Object.entries(KENDO_TYPES).map(([value, key]) => [key, Number(value)]),
)

/** Laravel's default JSON date: microseconds and a `Z` (`2026-03-13T14:00:00.000000Z`). */
const kendoTime = (d: Date): string => d.toISOString().replace(/Z$/, '000Z')

/** Kendo ids are integers; an id a producer sent as a non-numeric string is passed through. */
const kendoId = (id: string): number | string => (/^(0|[1-9]\d{0,14})$/.test(id) ? Number(id) : id)

/** A target is Kendo's issue when it says so or says nothing about its type. */
const isIssue = (r: Ref): boolean => r.type === null || r.type.toLowerCase() === 'issue'

function issueOf(n: Notification) {
  const t = n.target
  if (!t || !isIssue(t)) return null
  return {
    id: kendoId(t.id),
    key: t.key,
    title: t.title,
    project_id: n.project ? kendoId(n.project.id) : null,
  }
}

/** Later Kendo revisions' polymorphic subject, emitted as an extra key beside `issue`. */
function notifiableOf(n: Notification) {
  const t = n.target
  if (!t) return null
  return { type: t.type ?? 'issue', id: kendoId(t.id), key: t.key, title: t.title }
}

/**
 * One notification as Kendo's list renders it. `deleted` holds when actors were deleted as users:
 * Kendo's actor is null once its user is gone, so one deleted after the notification was made
 * renders null (a user created again under the id acts anew from then on).
 */
export function renderNotification(n: Notification, deleted: ReadonlyMap<string, Date>) {
  const gone = n.actor ? deleted.get(n.actor.id) : undefined
  const a = gone !== undefined && gone >= n.createdAt ? null : n.actor
  return {
    id: n.id,
    type: TYPE_BY_KEY.get(n.type) ?? null,
    message: n.title,
    read_at: n.readAt ? kendoTime(n.readAt) : null,
    created_at: kendoTime(n.createdAt),
    actor: a
      ? {
          id: kendoId(a.id),
          first_name: a.firstName,
          last_name: a.lastName,
          profile_picture: a.avatarUrl,
        }
      : null,
    issue: issueOf(n),
    notifiable: notifiableOf(n),
  }
}

const IntOrText = T.Union([T.Integer(), T.String()])
const Text = T.Union([T.String(), T.Null()])

/** One item of the list response (the list is streamed, so this types it, see routes.ts). */
export const KendoNotification = T.Object({
  id: T.Integer(),
  type: T.Union([T.Integer(), T.Null()]),
  message: T.String(),
  read_at: Text,
  created_at: T.String(),
  actor: T.Union([
    T.Object({ id: IntOrText, first_name: Text, last_name: Text, profile_picture: Text }),
    T.Null(),
  ]),
  issue: T.Union([
    T.Object({
      id: IntOrText,
      key: Text,
      title: Text,
      project_id: T.Union([IntOrText, T.Null()]),
    }),
    T.Null(),
  ]),
  notifiable: T.Union([
    T.Object({ type: T.String(), id: IntOrText, key: Text, title: Text }),
    T.Null(),
  ]),
})

/** The list response: documented, but written by the stream in routes.ts, not serialised by it. */
export const NotificationList = T.Array(KendoNotification, {
  description: "The caller's notifications, newest first: all of them",
})
