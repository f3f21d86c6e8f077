import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type as T } from 'typebox'
import { HeraldError } from '../../../core/errors.ts'
import { MARK_ALL_COUNT_CAP } from '../../../core/inbox.ts'
import type { StateChange } from '../../../core/store.ts'
import { type SurfaceDeps, viewerOf } from '../../surface.ts'
import { conditionalPolls, NotModified, POLL_HEADERS, PollHeaders } from '../conditional.ts'
import {
  filterFromBody,
  filterFromQuery,
  parseNotificationId,
  renderNotification,
} from '../convert.ts'
import {
  BODY_ERRORS,
  COMMON_ERRORS,
  errorAnswers,
  FilterBody,
  ListQuery,
  NotificationId,
  NotificationIdParam,
  NotificationOut,
  NotificationPage,
  TenantHeaders,
} from '../schemas.ts'

const security = [{ userToken: [] }]
const tags = ['inbox']
const config = { needs: 'user' as const }
const errors = errorAnswers(...COMMON_ERRORS)
const oneErrors = errorAnswers(...COMMON_ERRORS, 404)

const ACTIONS = [
  'read',
  'unread',
  'seen',
  'unseen',
  'dismiss',
  'undismiss',
  'snooze',
  'unsnooze',
] as const
type Action = (typeof ACTIONS)[number]

/**
 * A numeric id or a UUID. A type list, not a union: with coercion on, ajv turned "Infinity" and
 * "1e400" into numbers in a union's integer branch and let them through its maximum (a 500 from
 * the store). A list takes a string as a string, so digit strings are read by the handler.
 */
const BulkId = T.Unsafe<number | string>({
  type: ['integer', 'string'],
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  pattern:
    '^(?:[1-9][0-9]{0,14}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$',
  description: 'A numeric id (a number or its digits) or a UUID',
})
const numericId = (id: number | string) =>
  typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : id

const BulkBody = T.Object(
  {
    action: T.Enum([...ACTIONS, 'delete'], { type: 'string' }),
    ids: T.Optional(
      T.Array(BulkId, {
        minItems: 1,
        maxItems: 1000,
      }),
    ),
    filter: T.Optional(FilterBody),
    until: T.Optional(T.String({ format: 'date-time', description: 'For snooze' })),
  },
  {
    additionalProperties: false,
    title: 'BulkRequest',
    description:
      'An action (or delete) on the ids given, or on every notification the filter matches',
  },
)

const BulkResult = T.Object(
  {
    changed: T.Integer({
      description: `How many notifications changed (or were deleted); mark all read counts up to ${MARK_ALL_COUNT_CAP} (see \`capped\`)`,
    }),
    capped: T.Boolean({
      description: `True when more than \`changed\` changed: mark all read (\`read\` with \`filter: {}\`) stops counting at ${MARK_ALL_COUNT_CAP}, as a badge says "99+". Always false for ids, deletes and other filters, which count exactly`,
    }),
    notFound: T.Array(T.Union([T.Integer(), T.String()]), {
      description: 'Ids that are not yours or do not exist',
    }),
  },
  { title: 'BulkResult', description: 'What a bulk change did' },
)

/** The body an action takes: none at all, `{}`, or for snooze `{until}`. */
const ChangeBody = T.Optional(
  // The union with null is what lets a request come with no body at all.
  T.Union([
    T.Object(
      {
        until: T.Optional(
          T.String({
            format: 'date-time',
            description: 'Required to snooze: when the notification comes back',
          }),
        ),
      },
      {
        additionalProperties: false,
        title: 'NotificationChange',
        description: 'Only snooze reads a body',
      },
    ),
    T.Null(),
  ]),
)

function changeOf(action: Action, until: string | undefined): StateChange {
  if (action !== 'snooze') return { action }
  if (until === undefined) {
    throw new HeraldError('VALIDATION', 'until: required to snooze', { field: 'until' })
  }
  return { action, until: new Date(until) }
}

/** Native inbox routes: the caller's own notifications only. */
export const notificationRoutes: FastifyPluginAsyncTypebox<SurfaceDeps> = async (
  app,
  { core, polling },
) => {
  const { inbox, versions } = core
  const polls = conditionalPolls(versions, polling.intervalS)

  app.get(
    '/me/notifications',
    {
      config,
      schema: {
        tags,
        security,
        headers: PollHeaders,
        operationId: 'listNotifications',
        summary: "List the caller's notifications, newest first, by cursor",
        description:
          'Dismissed and snoozed notifications are left out unless `dismissed`/`snoozed` say `include` or `only`. Pages of `limit` (20 by default, 100 at most); `nextCursor` fetches the next. A first page (no `cursor`) is pollable: it carries an `ETag` and an `X-Poll-Interval` (seconds); sent back as `If-None-Match`, the tag gets `304 Not Modified` with no body while nothing in the inbox changed.',
        querystring: ListQuery,
        response: {
          200: { ...NotificationPage, headers: POLL_HEADERS },
          304: NotModified,
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const q = req.query
      // Only a first page: a later one is fetched once, by a cursor into a list that moves on.
      if (q.cursor === undefined && polls.answeredUnchanged(req, reply)) {
        return reply
      }
      const page = await inbox.list(viewerOf(req), {
        filter: filterFromQuery(q),
        sort: { field: 'createdAt', direction: q.sort === 'createdAt' ? 'asc' : 'desc' },
        cursor: q.cursor,
        limit: q.limit,
      })
      const now = core.clock()
      return {
        items: page.items.map((n) => renderNotification(n, now)),
        nextCursor: page.nextCursor,
      }
    },
  )

  app.get(
    '/me/notifications/:id',
    {
      config,
      schema: {
        tags,
        security,
        headers: TenantHeaders,
        operationId: 'getNotification',
        summary: 'Get one notification, by numeric id or UUID',
        params: NotificationIdParam,
        response: { 200: NotificationOut, ...oneErrors },
      },
    },
    async (req) => {
      const n = await inbox.get(viewerOf(req), parseNotificationId(req.params.id))
      return renderNotification(n, core.clock())
    },
  )

  app.post(
    '/me/notifications/:id/:action',
    {
      config,
      schema: {
        tags,
        security,
        headers: TenantHeaders,
        operationId: 'changeNotification',
        summary:
          'Change one notification: read, unread, seen, unseen, dismiss, undismiss, snooze, unsnooze',
        description:
          'No body is needed, except to snooze: `{"until": "<date-time>"}`. Repeating an action is harmless. Answers the notification as it is now.',
        params: T.Object({
          id: NotificationId,
          action: T.Enum(ACTIONS, { type: 'string', description: 'What to do' }),
        }),
        body: ChangeBody,
        response: { 200: NotificationOut, ...errorAnswers(...COMMON_ERRORS, 404, ...BODY_ERRORS) },
      },
    },
    async (req) => {
      const change = changeOf(req.params.action, req.body?.until)
      const id = parseNotificationId(req.params.id)
      const { after } = await inbox.changeOne(viewerOf(req), id, change)
      return renderNotification(after, core.clock())
    },
  )

  app.delete(
    '/me/notifications/:id',
    {
      config,
      schema: {
        tags,
        security,
        headers: TenantHeaders,
        operationId: 'deleteNotification',
        summary: 'Delete one notification',
        params: NotificationIdParam,
        response: { 204: T.Null({ description: 'Deleted' }), ...oneErrors },
      },
    },
    async (req, reply) => {
      await inbox.removeOne(viewerOf(req), parseNotificationId(req.params.id))
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/me/notifications/bulk',
    {
      config,
      schema: {
        tags,
        security,
        headers: TenantHeaders,
        operationId: 'bulkNotifications',
        summary:
          'Change or delete many notifications: by ids, or every one matching a filter ({} is all)',
        description: `Give exactly one of \`ids\` (numeric ids or UUIDs, 1,000 at most) or \`filter\`; \`until\` is required to snooze. \`read\` with \`filter: {}\` (mark all read; a filter of only \`read: false\`, \`dismissed\` or \`snoozed\` too) moves the caller's read mark, one write however many it reads, and counts what it read up to ${MARK_ALL_COUNT_CAP} only: \`changed\` is exact up to ${MARK_ALL_COUNT_CAP}, and past it \`changed\` is ${MARK_ALL_COUNT_CAP} with \`capped: true\` (the badge's "99+"; counting every row read was most of the request's time). Other filtered changes (a type, a project…) run in bounded chunks and count exactly.`,
        body: BulkBody,
        response: { 200: BulkResult, ...errorAnswers(...COMMON_ERRORS, ...BODY_ERRORS) },
      },
    },
    async (req) => {
      const { action, ids, filter, until } = req.body
      if ((ids === undefined) === (filter === undefined)) {
        throw new HeraldError('VALIDATION', 'give exactly one of ids or filter', { field: 'body' })
      }
      const v = viewerOf(req)
      if (ids) {
        const target = { ids: ids.map(numericId), invalid: 'ignore' as const }
        const r =
          action === 'delete'
            ? await inbox.removeMany(v, target)
            : await inbox.changeMany(v, changeOf(action, until), target)
        // Ids of other users are reported exactly like missing ones.
        return { changed: r.changed, capped: false, notFound: r.invalid }
      }
      const f = filterFromBody(filter ?? {})
      const r =
        action === 'delete'
          ? { changed: await inbox.removeWhere(v, f), capped: false }
          : await inbox.changeWhere(v, changeOf(action, until), f)
      return { ...r, notFound: [] }
    },
  )
}
