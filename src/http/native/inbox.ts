import { Type as T } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { HeraldError } from '../../core/errors.ts'
import type { InboxFilter } from '../../core/filters.ts'
import type { Core } from '../../core/herald.ts'
import type { StateChange } from '../../core/store.ts'
import {
  filterFromBody,
  filterFromQuery,
  parseNotificationId,
  renderNotification,
} from './convert.ts'
import { viewerOf } from './index.ts'
import {
  FilterBody,
  FilterQuery,
  ListQuery,
  NotificationIdParam,
  NotificationOut,
} from './schemas.ts'

const security = [{ userToken: [] }]
const tags = ['inbox']
const err = { $ref: 'Error#' }
const errors = { 400: err, 401: err, 403: err }
const One = NotificationOut

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

const BulkBody = T.Object(
  {
    action: T.Union([...ACTIONS, 'delete'].map((a) => T.Literal(a))),
    ids: T.Optional(
      T.Array(T.Union([T.Integer({ minimum: 1 }), T.String({ format: 'uuid' })]), {
        minItems: 1,
        maxItems: 1000,
      }),
    ),
    filter: T.Optional(FilterBody),
    until: T.Optional(T.String({ format: 'date-time', description: 'For snooze' })),
  },
  { additionalProperties: false },
)

function changeOf(action: Action, until: string | undefined): StateChange {
  if (action !== 'snooze') return { action }
  const at = until === undefined ? null : new Date(until)
  if (!at) throw new HeraldError('VALIDATION', 'until: required to snooze', { field: 'until' })
  return { action, until: at }
}

/**
 * Undoing a dismiss or a snooze must reach the dismissed or snoozed ones, which a filter hides by
 * default: unless the filter says otherwise, `{}` then means all of them too.
 */
function reachable(action: Action | 'delete', f: InboxFilter): InboxFilter {
  if (action === 'undismiss') return { ...f, dismissed: f.dismissed ?? 'include' }
  if (action === 'unsnooze') return { ...f, snoozed: f.snoozed ?? 'include' }
  return f
}

/** Native inbox routes: the caller's own notifications only. */
export async function inboxRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const { inbox } = core

  /** Another user's notification is answered exactly like a missing one: never a leak. */
  const own = async <R>(fn: () => Promise<R>): Promise<R> => {
    try {
      return await fn()
    } catch (e) {
      if (e instanceof HeraldError && e.code === 'FORBIDDEN') {
        throw new HeraldError('NOT_FOUND', 'notification not found', e.details)
      }
      throw e
    }
  }

  app.get(
    '/me/notifications',
    {
      schema: {
        tags,
        security,
        summary: "List the caller's notifications, newest first, by cursor",
        querystring: ListQuery,
        response: {
          200: T.Object({ items: T.Array(One), nextCursor: T.Union([T.String(), T.Null()]) }),
          ...errors,
        },
      },
    },
    async (req) => {
      const q = req.query as ListQuery
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
      schema: {
        tags,
        security,
        summary: 'Get one notification',
        params: NotificationIdParam,
        response: { 200: One, ...errors, 404: err },
      },
    },
    async (req) => {
      const v = viewerOf(req)
      const id = parseNotificationId((req.params as { id: string }).id)
      return renderNotification(await own(() => inbox.get(v, id)), core.clock())
    },
  )

  app.post(
    '/me/notifications/:id/:action',
    {
      schema: {
        tags,
        security,
        summary:
          'Change one notification: read, unread, seen, unseen, dismiss, undismiss, snooze, unsnooze',
        params: T.Object({
          id: T.String({ maxLength: 64 }),
          action: T.Union(ACTIONS.map((a) => T.Literal(a))),
        }),
        body: T.Optional(
          T.Union([
            T.Object(
              { until: T.Optional(T.String({ format: 'date-time' })) },
              { additionalProperties: false },
            ),
            T.Null(),
          ]),
        ),
        response: { 200: One, ...errors, 404: err },
      },
    },
    async (req) => {
      const p = req.params as { id: string; action: Action }
      const body = req.body as { until?: string } | null | undefined
      const v = viewerOf(req)
      const change = changeOf(p.action, body?.until)
      const { after } = await own(() => inbox.changeOne(v, parseNotificationId(p.id), change))
      return renderNotification(after, core.clock())
    },
  )

  app.delete(
    '/me/notifications/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Delete one notification',
        params: NotificationIdParam,
        response: { 204: T.Null(), ...errors, 404: err },
      },
    },
    async (req, reply) => {
      const v = viewerOf(req)
      const id = parseNotificationId((req.params as { id: string }).id)
      await own(() => inbox.removeOne(v, id))
      return reply.code(204).send()
    },
  )

  app.post(
    '/me/notifications/bulk',
    {
      schema: {
        tags,
        security,
        summary:
          'Change or delete many notifications: by ids, or every one matching a filter ({} is all)',
        body: BulkBody,
        response: {
          200: T.Object({
            changed: T.Integer(),
            notFound: T.Array(T.Union([T.Integer(), T.String()]), {
              description: 'Ids that are not yours or do not exist',
            }),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const b = req.body as {
        action: Action | 'delete'
        ids?: Array<number | string>
        filter?: FilterBody
        until?: string
      }
      if ((b.ids === undefined) === (b.filter === undefined)) {
        throw new HeraldError('VALIDATION', 'give exactly one of ids or filter', { field: 'body' })
      }
      const v = viewerOf(req)
      if (b.ids) {
        const target = { ids: b.ids, invalid: 'ignore' as const }
        const r =
          b.action === 'delete'
            ? await inbox.removeMany(v, target)
            : await inbox.changeMany(v, changeOf(b.action, b.until), target)
        // Ids of other users are reported exactly like missing ones.
        return { changed: r.changed, notFound: [...r.missing, ...r.foreign] }
      }
      const filter = reachable(b.action, filterFromBody(b.filter ?? {}))
      const changed =
        b.action === 'delete'
          ? await inbox.removeWhere(v, filter)
          : await inbox.changeWhere(v, changeOf(b.action, b.until), filter)
      return { changed, notFound: [] }
    },
  )

  const CountsOut = T.Object({
    counts: T.Record(T.String(), T.Integer()),
    capped: T.Record(T.String(), T.Boolean(), {
      description: 'True where the count reached the cap',
    }),
    byType: T.Optional(T.Record(T.String(), T.Integer())),
  })
  const capped = (counts: Record<string, number>, cap: number | null) => ({
    counts: Object.fromEntries(
      Object.entries(counts).map(([k, n]) => [k, cap === null ? n : Math.min(n, cap)]),
    ),
    capped: Object.fromEntries(
      Object.entries(counts).map(([k, n]) => [k, cap !== null && n > cap]),
    ),
  })

  app.get(
    '/me/counts',
    {
      schema: {
        tags,
        security,
        summary: 'Badge counts: total, unread and unseen (newer than the checkpoint)',
        querystring: T.Object(
          {
            ...FilterQuery,
            cap: T.Optional(
              T.Integer({
                minimum: 1,
                maximum: 10_000,
                description: 'Stop counting past this (e.g. 99 for "99+")',
              }),
            ),
            byType: T.Optional(T.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: CountsOut, ...errors },
      },
    },
    async (req) => {
      const q = req.query as { cap?: number; byType?: boolean }
      const base = filterFromQuery(req.query as never)
      const v = viewerOf(req)
      const counts = await inbox.counts(
        v,
        { total: base, unread: { ...base, read: false }, unseen: { ...base, seen: false } },
        q.cap ?? null,
      )
      const out = capped(counts, q.cap ?? null)
      return q.byType ? { ...out, byType: await inbox.countByType(v, base) } : out
    },
  )

  app.post(
    '/me/counts',
    {
      schema: {
        tags,
        security,
        summary: 'Several named counts in one call',
        body: T.Object(
          {
            // Without additionalProperties, a name outside the pattern would skip validation.
            filters: T.Record(T.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), FilterBody, {
              minProperties: 1,
              maxProperties: 20,
              additionalProperties: false,
            }),
            cap: T.Optional(T.Integer({ minimum: 1, maximum: 10_000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: CountsOut, ...errors },
      },
    },
    async (req) => {
      const b = req.body as { filters: Record<string, FilterBody>; cap?: number }
      const filters = Object.fromEntries(
        Object.entries(b.filters).map(([k, f]) => [k, filterFromBody(f)]),
      )
      return capped(await inbox.counts(viewerOf(req), filters, b.cap ?? null), b.cap ?? null)
    },
  )

  const CheckpointOut = T.Object({ at: T.Union([T.String(), T.Null()]) })
  app.get(
    '/me/checkpoint',
    {
      schema: {
        tags,
        security,
        summary: 'When the caller last opened the inbox',
        response: { 200: CheckpointOut, ...errors },
      },
    },
    async (req) => ({ at: (await inbox.checkpoint.get(viewerOf(req)))?.at.toISOString() ?? null }),
  )

  app.put(
    '/me/checkpoint',
    {
      schema: {
        tags,
        security,
        summary: 'Mark the inbox opened now: everything so far becomes seen',
        response: { 200: CheckpointOut, ...errors },
      },
    },
    async (req) => ({ at: (await inbox.checkpoint.move(viewerOf(req))).at.toISOString() }),
  )
}
