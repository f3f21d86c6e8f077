import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type as T, type TSchema } from 'typebox'
import type { Core } from '../../../core/herald.ts'
import type { Viewer } from '../../../core/inbox.ts'
import { type SurfaceDeps, viewerOf } from '../../surface.ts'
import { invalidIds } from './errors.ts'
import {
  inboxIn,
  ListOut,
  MARK_READ,
  MarkReadOut,
  NEWEST_FIRST,
  parseListQuery,
  parseMarkReadBody,
  READ,
  renderList,
  renderMarkRead,
  renderStats,
  StatsOut,
  UNREAD,
} from './map.ts'

/** Ondi reads its query by its own rules (repeats, empties): the schema only types it. */
const Query = T.Record(T.String(), T.Unknown())
const schema = <Out extends TSchema>(operationId: string, summary: string, out: Out) => ({
  tags: ['ondi'],
  operationId,
  summary,
  querystring: Query,
  response: { 200: out },
})

/**
 * All-or-nothing: one id that is not the caller's, not a UUID or not even a string changes
 * nothing. Core looks up only string or numeric ids, and a number would name a native id, so a
 * list holding anything but strings is only checked, never applied.
 */
async function markIds(core: Core, v: Viewer, ids: unknown[]): Promise<number> {
  const strings = ids.filter((id): id is string => typeof id === 'string')
  const onlyStrings = strings.length === ids.length
  const r = onlyStrings
    ? await core.inbox.changeMany(v, MARK_READ, { ids: strings, invalid: 'reject' })
    : await core.inbox.classify(v, strings)
  if (r.applied && onlyStrings) return r.changed
  const refused = new Set<unknown>(r.invalid)
  throw invalidIds(ids.filter((id) => typeof id !== 'string' || refused.has(id)))
}

/** Ondi's three notification routes, relative to the dialect's prefix. */
export const ondiRoutes: FastifyPluginAsyncTypebox<SurfaceDeps> = async (app, { core, limits }) => {
  const base = '/messaging/notifications'
  const list = schema(
    'listNotifications',
    "List the caller's notifications, by page, with Ondi's filters",
    ListOut,
  )
  app.get(base, { schema: list }, async (req) => {
    const v = await inboxIn(core.directory, viewerOf(req), req.query.tenant_id)
    const { page, filter } = parseListQuery(req.query, limits.filterText)
    const [found, counts] = await Promise.all([
      core.inbox.list(v, { filter, sort: NEWEST_FIRST, page }),
      core.inbox.counts(v, { unread: UNREAD }),
    ])
    return renderList(found, page, counts.unread)
  })

  app.put(
    `${base}/mark-read`,
    {
      schema: {
        ...schema(
          'markNotificationsRead',
          'Mark the notifications named by `notification_ids` read, or all of them without a body',
          MarkReadOut,
        ),
        body: T.Unknown(),
      },
    },
    async (req) => {
      const v = await inboxIn(core.directory, viewerOf(req), req.query.tenant_id)
      const ids = parseMarkReadBody(req.body)
      const updated =
        ids === null
          ? // Ondi's reply counts what it read: exact, whatever that costs (a walk of them all).
            (await core.inbox.changeWhere(v, MARK_READ, UNREAD, 'exact')).changed
          : await markIds(core, v, ids)
      return renderMarkRead(updated)
    },
  )

  const stats = schema('getNotificationStats', "The caller's counts", StatsOut)
  app.get(`${base}/stats`, { schema: stats }, async (req) => {
    const v = await inboxIn(core.directory, viewerOf(req), req.query.tenant_id)
    return renderStats(await core.inbox.counts(v, { unread: UNREAD, read: READ }))
  })
}
