import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify'
import { isHeraldError } from '../../../core/errors.ts'
import { EVERY_STATE } from '../../../core/filters.ts'
import type { Core } from '../../../core/herald.ts'
import type { Notification } from '../../../core/notification.ts'
import type { SurfaceDeps } from '../../surface.ts'
import { isAdmin, resolveTarget, type Target } from './auth.ts'
import { createFields, parseObject, pushFields } from './body.ts'
import { MESSAGES, mantleError, notificationMiss, routeMiss } from './errors.ts'
import { ListOut, NotificationOut, renderList, renderNotification, uuidOf } from './render.ts'

/** The real service keeps at most this many notifications per user and has no pagination. */
export const INBOX_CAP = 50
/** Mantle2's root user (uid 1): notifications created for it are dropped. */
const ROOT_USER = '1'
/** Bulk routes act on every notification, including ones another surface dismissed or snoozed. */
const EVERY = EVERY_STATE
export const BASE = '/v2/users/:user/notifications'

type Params = { user: string; nid?: string }
type Method = 'GET' | 'POST' | 'DELETE'

/** Another user's notification is simply not in the target's inbox: the same 404 as a missing one. */
async function inInbox<R>(fn: () => Promise<R>): Promise<R> {
  try {
    return await fn()
  } catch (err) {
    if (isHeraldError(err) && (err.code === 'NOT_FOUND' || err.code === 'NOT_OWNER')) {
      throw notificationMiss()
    }
    throw err
  }
}

/** Mantle2's routes: each under `/v2/users/{id|@username|current}/notifications`. */
export const mantleRoutes: FastifyPluginAsyncTypebox<SurfaceDeps> = async (app, { core }) => {
  const { inbox } = core
  const route = (method: Method, path: string, handler: RouteHandlerMethod, response = {}) => {
    // Drupal trims a trailing slash, so each route answers with and without one.
    for (const url of [path, `${path}/`]) {
      app.route({ method, url, handler, schema: { hide: true, response } })
    }
  }
  const target = (req: FastifyRequest): Promise<Target> => resolveTarget(core, req)
  /** The notification id segment is part of the route pattern: a bad one fails to route. */
  const notificationId = (req: FastifyRequest): string => {
    const uuid = uuidOf((req.params as Params).nid ?? '')
    if (uuid === null) throw routeMiss()
    return uuid
  }
  const noContent = (reply: FastifyReply) => reply.code(204).send()

  route(
    'GET',
    BASE,
    async (req) => {
      const t = await target(req)
      const page = await inbox.list(t.viewer, { limit: INBOX_CAP })
      return renderList(page.items)
    },
    { 200: ListOut },
  )

  route(
    'GET',
    `${BASE}/:nid`,
    async (req) => {
      const id = notificationId(req)
      const t = await target(req)
      return renderNotification(await inInbox(() => inbox.get(t.viewer, id)))
    },
    { 200: NotificationOut },
  )

  route('DELETE', `${BASE}/:nid`, async (req, reply) => {
    const id = notificationId(req)
    const t = await target(req)
    await inInbox(() => inbox.removeOne(t.viewer, id))
    return noContent(reply)
  })

  for (const action of ['read', 'unread'] as const) {
    route('POST', `${BASE}/mark_all_${action}`, async (req, reply) => {
      await inbox.changeWhere((await target(req)).viewer, { action }, EVERY)
      return noContent(reply)
    })
    route('POST', `${BASE}/:nid/mark_${action}`, async (req, reply) => {
      const id = notificationId(req)
      const t = await target(req)
      try {
        await inInbox(() => inbox.changeOne(t.viewer, id, { action }, { requireChange: true }))
      } catch (err) {
        if (!isHeraldError(err) || err.code !== 'CONFLICT') throw err
        throw mantleError(409, action === 'read' ? MESSAGES.alreadyRead : MESSAGES.alreadyUnread)
      }
      return noContent(reply)
    })
  }

  route('DELETE', `${BASE}/clear`, async (req, reply) => {
    await inbox.removeWhere((await target(req)).viewer, EVERY)
    return noContent(reply)
  })

  route('POST', BASE, async (req, reply) => {
    const t = await target(req)
    if (!(await isAdmin(core, t.caller))) throw mantleError(403, MESSAGES.adminsOnly)
    const fields = createFields(parseObject(req.body))
    if (t.userId === ROOT_USER) return noContent(reply)
    const created = await create(core, t, fields)
    return reply.code(201).send(renderNotification(created))
  })

  // Segments longer than the router's parameter limit fall through to here instead of to Fastify's
  // own 414 body, so they too answer as a Mantle2 route miss.
  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/v2/users/*',
    schema: { hide: true },
    handler: async () => {
      throw routeMiss()
    },
  })

  route('POST', '/v2/users/current/notifications/push', async (req) => {
    if (!req.headers['user-agent']) throw mantleError(400, 'Missing User-Agent header')
    pushFields(parseObject(req.body))
    return { message: 'Push token accepted; this server does not deliver push notifications' }
  })
}

async function create(
  core: Core,
  t: Target,
  f: ReturnType<typeof createFields>,
): Promise<Notification> {
  const out = await core.sender.send(t.viewer.tenantId, {
    to: { users: [t.userId] },
    type: f.type,
    title: f.title,
    body: f.description,
    link: f.link,
    source: f.source,
    keepLatest: INBOX_CAP,
  })
  const mine = out.notifications?.find((n) => n.recipientId === t.userId)
  if (!mine) throw mantleError(500, 'Internal Server Error')
  return core.inbox.get(t.viewer, mine.uuid)
}
