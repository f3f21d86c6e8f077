import type { FastifyRequest } from 'fastify'
import { Type as T } from 'typebox'
import { isHeraldError } from '../../../core/errors.ts'
import type { Core } from '../../../core/herald.ts'
import type { Viewer } from '../../../core/inbox.ts'
import type { Notification, Principal, User } from '../../../core/notification.ts'
import type { SendInput } from '../../../core/send.ts'
import { principalOf, viewerOf } from '../../surface.ts'
import { MESSAGES, mantleError, notFound } from './errors.ts'

/** The real service keeps at most this many notifications per user and has no pagination. */
export const INBOX_CAP = 50

const BEARER = /^bearer /i

/** `Authorization: Bearer <session token>`; anything else is no credential. */
export function credential(req: FastifyRequest): string | null {
  const header = req.headers.authorization
  if (header === undefined || !BEARER.test(header)) return null
  return header.slice('bearer '.length).trim()
}

/** Mantle2's four notification types; each is also the core type key it is stored under. */
const MANTLE_TYPES = {
  info: 'info',
  warning: 'warning',
  error: 'error',
  success: 'success',
} as const satisfies Record<string, string>

type MantleType = keyof typeof MANTLE_TYPES

const FROM_CORE = new Map<string, MantleType>(
  Object.entries(MANTLE_TYPES).map(([wire, key]) => [key, wire as MantleType]),
)

/** Core type keys Mantle2 has no word for render as `info`, the real service's fallback type. */
const wireType = (coreKey: string): MantleType => FROM_CORE.get(coreKey) ?? 'info'

/** A wire type, or `info` for anything else, as the real create route coerces it. */
const coreTypeOf = (wire: unknown): string =>
  typeof wire === 'string' && Object.hasOwn(MANTLE_TYPES, wire)
    ? MANTLE_TYPES[wire as MantleType]
    : MANTLE_TYPES.info

const HEX_ID = /^[0-9a-f]{32}$/

/**
 * A wire notification id (32 lowercase hex) as the core UUID. Anything else fails Drupal's route
 * pattern: a route miss.
 */
export function notificationId(wire: string): string {
  if (!HEX_ID.test(wire)) throw notFound()
  return `${wire.slice(0, 8)}-${wire.slice(8, 12)}-${wire.slice(12, 16)}-${wire.slice(16, 20)}-${wire.slice(20)}`
}

/** The route patterns of a `{user}` segment. */
type Selector =
  | { kind: 'current' }
  | { kind: 'id'; id: string }
  | { kind: 'username'; username: string }

const DIGITS = /^\d+$/
const USERNAME = /^@?[\w.]+$/

/** Parses the `{user}` segment; one no Mantle2 route pattern matches fails to route, as in Drupal. */
export function selectorOf(segment: string): Selector {
  if (segment === 'current') return { kind: 'current' }
  // `(int)` parsing in the real service: a zero-padded id names the same user.
  if (DIGITS.test(segment)) return { kind: 'id', id: segment.replace(/^0+(?=\d)/, '') }
  if (USERNAME.test(segment)) return { kind: 'username', username: segment.replace(/^@/, '') }
  throw notFound()
}

/** The user's directory record, or null when they have none. */
export const findUser = (core: Core, tenantId: string, id: string): Promise<User | null> =>
  core.directory.getUser(tenantId, id).catch((err: unknown) => {
    if (isHeraldError(err) && err.code === 'NOT_FOUND') return null
    throw err
  })

/** Drupal's permission that makes a Mantle2 user an admin. */
const ADMINISTER_USERS = 'administer users'

export const isAdmin = (core: Core, caller: Principal): Promise<boolean> =>
  core.directory.can(caller, ADMINISTER_USERS)

async function lookup(core: Core, self: Viewer, s: Selector): Promise<string | null> {
  if (s.kind === 'current') return self.userId
  if (s.kind === 'username') {
    return (await core.directory.findUserByUsername(self.tenantId, s.username))?.id ?? null
  }
  if (s.id === '0') return null
  // A caller with no directory record can still reach their own inbox by id.
  if (s.id === self.userId) return s.id
  return (await findUser(core, self.tenantId, s.id))?.id ?? null
}

/** A resolved `{user}` segment: who calls, and whose inbox the request reads or changes. */
export interface Target {
  caller: Principal
  viewer: Viewer
}

/**
 * `findByAuthorized`: the target (404), then self or admin (403). An admin reaches another user's
 * inbox only while the deployment allows it (`HERALD_ADMIN_REACH`); otherwise they are answered
 * as any other user is.
 */
export async function resolveTarget(
  core: Core,
  req: FastifyRequest,
  user: string,
): Promise<Target> {
  const selector = selectorOf(user)
  const self = viewerOf(req)
  const caller = principalOf(req)
  const userId = await lookup(core, self, selector)
  if (userId === null) throw notFound()
  if (userId !== self.userId && !(await core.directory.reachesOthers(caller, ADMINISTER_USERS))) {
    throw mantleError(403, MESSAGES.forbidden)
  }
  return { caller, viewer: { tenantId: self.tenantId, userId } }
}

/**
 * An admin's change to another user's inbox, logged at info for audit: the tenant, who acted and
 * whose inbox it was. A change to one's own inbox is not logged.
 */
export function logOnBehalf(req: FastifyRequest, t: Target, action: string): void {
  const admin = t.caller.userId
  if (admin === t.viewer.userId) return
  const { tenantId: tenant, userId: target } = t.viewer
  req.log.info({ onBehalf: { tenant, admin, target, action } }, 'admin changed another inbox')
}

/** A JSON object body, or 400 Invalid JSON: empty, `{}`, non-objects and syntax errors alike. */
export function parseObject(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'string' || raw.trim() === '') throw mantleError(400, MESSAGES.invalidJson)
  let data: unknown
  try {
    data = JSON.parse(raw)
  } catch {
    throw mantleError(400, MESSAGES.invalidJson)
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw mantleError(400, MESSAGES.invalidJson)
  }
  if (Object.keys(data).length === 0) throw mantleError(400, MESSAGES.invalidJson)
  return data as Record<string, unknown>
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null)

/**
 * The admin create body (M9) as a send to one user, coerced the way Mantle2 does: title and
 * description are required; type and source fall back instead of failing.
 */
export function createInput(userId: string, body: Record<string, unknown>): SendInput {
  const title = text(body.title)
  const description = text(body.description)
  if (title === null || description === null) throw mantleError(400, MESSAGES.missingFields)
  return {
    to: { users: [userId] },
    type: coreTypeOf(body.type),
    title,
    body: description,
    link: text(body.link),
    source: text(body.source) ?? 'system',
    keepLatest: INBOX_CAP,
  }
}

const PUSH_TOKEN = { min: 10, max: 512 }

/** The push registration body (M10): a device token of 10–512 characters and a platform. */
export function checkPush(body: Record<string, unknown>): void {
  const token = body.token
  if (typeof token !== 'string' || token.length < PUSH_TOKEN.min || token.length > PUSH_TOKEN.max) {
    throw mantleError(400, 'Push token must be 10 to 512 characters')
  }
  if (text(body.platform) === null) throw mantleError(400, 'Missing platform')
}

/** Mantle2 pads the numeric user id to 24 characters (PHP str_pad, which never truncates). */
const wireUserId = (userId: string): string => userId.padStart(24, '0')

/** One notification, keys in the order `Notification::jsonSerialize` writes them. */
export function renderNotification(n: Notification) {
  return {
    id: n.uuid.replaceAll('-', '').toLowerCase(),
    title: n.title,
    user_id: wireUserId(n.recipientId),
    message: n.body,
    link: n.link,
    type: wireType(n.type),
    source: n.source ?? 'system',
    read: n.readAt !== null,
    created_at: Math.floor(n.createdAt.getTime() / 1000),
  }
}

/** The list envelope: the real service's keys, plus the document's page keys for its clients. */
export function renderList(items: Notification[]) {
  const rendered = items.map(renderNotification)
  return {
    unread_count: rendered.filter((n) => !n.read).length,
    has_warnings: rendered.some((n) => n.type === 'warning'),
    has_errors: rendered.some((n) => n.type === 'error'),
    items: rendered,
    page: 1,
    limit: rendered.length,
    total: rendered.length,
  }
}

export const NotificationOut = T.Object(
  {
    id: T.String(),
    title: T.String(),
    user_id: T.String(),
    message: T.String(),
    link: T.Union([T.String(), T.Null()]),
    type: T.String(),
    source: T.String(),
    read: T.Boolean(),
    created_at: T.Integer(),
  },
  { description: 'The notification' },
)

export const ListOut = T.Object(
  {
    unread_count: T.Integer(),
    has_warnings: T.Boolean(),
    has_errors: T.Boolean(),
    items: T.Array(NotificationOut),
    page: T.Integer(),
    limit: T.Integer(),
    total: T.Integer(),
  },
  { description: "The user's notifications, newest first, with the unread count" },
)
