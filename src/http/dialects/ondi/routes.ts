import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { TSchema } from 'typebox'
import { EVERY_STATE } from '../../../core/filters.ts'
import type { Core } from '../../../core/herald.ts'
import type { Viewer } from '../../../core/inbox.ts'
import type { SurfaceDeps } from '../../surface.ts'
import { viewerOf } from './auth.ts'
import { ondiError } from './errors.ts'
import { parseListQuery, parseMarkReadBody } from './params.ts'
import { ListOut, MarkReadOut, renderNotification, StatsOut } from './render.ts'

const UNREAD = { ...EVERY_STATE, read: false }
const READ = { ...EVERY_STATE, read: true }

const invalidIds = (ids: unknown[]) =>
  ondiError(400, 'Invalid notification IDs', {
    error: 'invalid_notification_ids',
    invalid_ids: ids,
  })

/** All-or-nothing: one id that is not the caller's (or not a UUID at all) changes nothing. */
async function markIds(core: Core, v: Viewer, ids: unknown[]): Promise<number> {
  const strings = ids.filter((id): id is string => typeof id === 'string')
  if (strings.length < ids.length) {
    // Core takes only string or numeric ids; a JSON object or null is reported as it came.
    const report = await core.inbox.classify(v, strings)
    const bad = new Set<unknown>([...report.missing, ...report.foreign])
    throw invalidIds(ids.filter((id) => typeof id !== 'string' || bad.has(id)))
  }
  const r = await core.inbox.changeMany(v, { action: 'read' }, { ids: strings, invalid: 'reject' })
  if (!r.applied) throw invalidIds(r.invalid)
  return r.changed
}

async function list(core: Core, req: FastifyRequest) {
  const v = await viewerOf(core, req)
  const { page, limit, filter } = parseListQuery(req.query as Record<string, unknown>)
  const [found, counts] = await Promise.all([
    core.inbox.list(v, {
      filter,
      sort: { field: 'createdAt', direction: 'desc' },
      page: { kind: 'numbered', page, size: limit },
    }),
    core.inbox.counts(v, { unread: UNREAD }),
  ])
  const total = found.total ?? 0
  return {
    success: true,
    message: 'Notifications retrieved successfully',
    notifications: found.items.map(renderNotification),
    total,
    page,
    limit,
    total_pages: Math.ceil(total / limit),
    unread_count: counts.unread,
  }
}

async function markRead(core: Core, req: FastifyRequest) {
  const v = await viewerOf(core, req)
  const ids = parseMarkReadBody(req.body)
  const updated =
    ids === null
      ? await core.inbox.changeWhere(v, { action: 'read' }, UNREAD)
      : await markIds(core, v, ids)
  return { success: true, message: 'Notifications marked as read', updated_count: updated }
}

async function stats(core: Core, req: FastifyRequest) {
  const v = await viewerOf(core, req)
  const { unread, read } = await core.inbox.counts(v, { unread: UNREAD, read: READ })
  return {
    success: true,
    message: 'Notification statistics retrieved successfully',
    stats: { total: unread + read, unread, read },
  }
}

/** Ondi's three notification routes, relative to the dialect's prefix. */
export const ondiRoutes: FastifyPluginAsyncTypebox<SurfaceDeps> = async (app, { core }) => {
  const base = '/messaging/notifications'
  const schema = (out: TSchema) => ({ hide: true, response: { 200: out } })
  app.get(base, { schema: schema(ListOut) }, (req) => list(core, req))
  app.put(`${base}/mark-read`, { schema: schema(MarkReadOut) }, (req) => markRead(core, req))
  app.get(`${base}/stats`, { schema: schema(StatsOut) }, (req) => stats(core, req))
}
