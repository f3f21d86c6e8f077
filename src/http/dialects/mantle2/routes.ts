import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest, FastifySchema } from 'fastify'
import { Type as T } from 'typebox'
import { HeraldError, isHeraldError } from '../../../core/errors.ts'
import { EVERY_STATE } from '../../../core/filters.ts'
import {
  type Answer,
  type SurfaceDeps,
  type SurfaceHandler,
  withOptionalSlash,
} from '../../surface.ts'
import { alreadyMarked, MESSAGES, mantleError, notFound, notificationNotFound } from './errors.ts'
import {
  checkPush,
  createInput,
  INBOX_CAP,
  isAdmin,
  ListOut,
  logOnBehalf,
  NotificationOut,
  notificationId,
  parseObject,
  renderList,
  renderNotification,
  resolveTarget,
} from './map.ts'

/** Mantle2's root user (uid 1): notifications created for it are dropped. */
const ROOT_USER = '1'
const BASE = '/v2/users/:user/notifications'

/** Segments stay strings here: whether they match Drupal's patterns is checkRoute's call. */
const InInbox = T.Object({ user: T.String() })
const OneNotification = T.Object({ user: T.String(), nid: T.String() })
/** Bodies arrive as raw text and are parsed by Mantle2's rules once the target is known. */
const RawBody = T.Unknown()
const tags = ['mantle2']
/** Documents an answer the route sends as it is. */
const answers = (status: number, description: string) => ({
  response: { [status]: { ...(status === 204 ? { type: 'null' } : {}), description } },
})
const noContent204 = (description: string) => answers(204, description)

type Method = 'GET' | 'POST' | 'DELETE'
type Handler<S extends FastifySchema> = SurfaceHandler<S>

/**
 * Core's refusals about one notification in Mantle2's words: another user's is simply not in the
 * target's inbox, the same 404 as a missing one; a mark that changes nothing is `already`.
 */
async function inInbox<R>(fn: () => Promise<R>, already?: Answer): Promise<R> {
  try {
    return await fn()
  } catch (err) {
    if (!isHeraldError(err)) throw err
    if (err.code === 'NOT_FOUND' || err.code === 'NOT_OWNER') throw notificationNotFound()
    if (err.code === 'CONFLICT' && already) throw already
    throw err
  }
}

/** Mantle2's routes: each under `/v2/users/{id|@username|current}/notifications`. */
export const mantleRoutes: FastifyPluginAsyncTypebox<SurfaceDeps> = async (app, { core }) => {
  const { inbox } = core
  // Drupal trims a trailing slash, so each route answers with and without one.
  const route = <S extends FastifySchema>(
    method: Method,
    path: string,
    schema: S,
    handler: Handler<S>,
  ) => {
    // The slash twin answers the same: the document lists the route once.
    for (const url of withOptionalSlash(path)) {
      const hide = url.endsWith('/')
      app.route({ method, url, schema: { ...schema, tags, hide }, handler })
    }
  }
  const target = (req: FastifyRequest, user: string) => resolveTarget(core, req, user)
  const noContent = (reply: FastifyReply) => reply.code(204).send()

  const list = {
    operationId: 'listUserNotifications',
    summary: "List a user's notifications (the caller's, or any user's for an admin)",
    params: InInbox,
    response: { 200: ListOut },
  }
  route('GET', BASE, list, async (req) => {
    const t = await target(req, req.params.user)
    const page = await inbox.list(t.viewer, { limit: INBOX_CAP })
    return renderList(page.items)
  })

  const one = { params: OneNotification }
  const get = {
    ...one,
    operationId: 'getUserNotification',
    summary: 'Get one notification',
    response: { 200: NotificationOut },
  }
  route('GET', `${BASE}/:nid`, get, async (req) => {
    const id = notificationId(req.params.nid)
    const t = await target(req, req.params.user)
    return renderNotification(await inInbox(() => inbox.get(t.viewer, id)))
  })

  const remove = {
    ...one,
    operationId: 'deleteUserNotification',
    summary: 'Delete one notification',
    ...noContent204('Deleted'),
  }
  route('DELETE', `${BASE}/:nid`, remove, async (req, reply) => {
    const id = notificationId(req.params.nid)
    const t = await target(req, req.params.user)
    await inInbox(() => inbox.removeOne(t.viewer, id))
    logOnBehalf(req, t, 'delete')
    return noContent(reply)
  })

  for (const action of ['read', 'unread'] as const) {
    const Action = action === 'read' ? 'Read' : 'Unread'
    const all = {
      params: InInbox,
      operationId: `markAllUserNotifications${Action}`,
      summary: `Mark every notification ${action}`,
      ...noContent204('Done'),
    }
    route('POST', `${BASE}/mark_all_${action}`, all, async (req, reply) => {
      const t = await target(req, req.params.user)
      // Every notification, including ones another surface dismissed or snoozed.
      await inbox.changeWhere(t.viewer, { action }, EVERY_STATE)
      logOnBehalf(req, t, `mark_all_${action}`)
      return noContent(reply)
    })
    const mark = {
      ...one,
      operationId: `markUserNotification${Action}`,
      summary: `Mark one notification ${action} (409 when it already is)`,
      ...noContent204('Done'),
    }
    route('POST', `${BASE}/:nid/mark_${action}`, mark, async (req, reply) => {
      const id = notificationId(req.params.nid)
      const t = await target(req, req.params.user)
      const change = () => inbox.changeOne(t.viewer, id, { action }, { requireChange: true })
      await inInbox(change, alreadyMarked(action))
      logOnBehalf(req, t, `mark_${action}`)
      return noContent(reply)
    })
  }

  const clear = {
    params: InInbox,
    operationId: 'clearUserNotifications',
    summary: 'Delete every notification',
    ...noContent204('Done'),
  }
  route('DELETE', `${BASE}/clear`, clear, async (req, reply) => {
    const t = await target(req, req.params.user)
    await inbox.removeWhere(t.viewer, EVERY_STATE)
    logOnBehalf(req, t, 'clear')
    return noContent(reply)
  })

  const create = {
    params: InInbox,
    body: RawBody,
    operationId: 'createUserNotification',
    summary: 'Create a notification for a user (admins only)',
    ...answers(201, 'The notification created'),
  }
  route('POST', BASE, create, async (req, reply) => {
    const t = await target(req, req.params.user)
    if (!(await isAdmin(core, t.caller))) throw mantleError(403, MESSAGES.adminsOnly)
    const input = createInput(t.viewer.userId, parseObject(req.body))
    if (t.viewer.userId === ROOT_USER) return noContent(reply)
    const out = await core.sender.send(t.viewer.tenantId, input)
    const made = out.notifications?.find((n) => n.recipientId === t.viewer.userId)
    if (!made) throw new HeraldError('INTERNAL', 'a send to one user created no notification')
    logOnBehalf(req, t, 'create')
    return reply.code(201).send(renderNotification(await inbox.get(t.viewer, made.uuid)))
  })

  const push = {
    body: RawBody,
    operationId: 'registerPushToken',
    summary: 'Accept a push token (this server delivers no push notifications)',
    ...answers(200, '`{message}`'),
  }
  route('POST', '/v2/users/current/notifications/push', push, async (req) => {
    if (!req.headers['user-agent']) throw mantleError(400, 'Missing User-Agent header')
    checkPush(parseObject(req.body))
    return { message: 'Push token accepted; this server does not deliver push notifications' }
  })

  // Segments longer than the router's parameter limit fall through to here instead of to Fastify's
  // own 414 body, so they too answer as a Mantle2 route miss (checkRoute answers first).
  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/v2/users/*',
    schema: { hide: true },
    handler: async () => {
      throw notFound()
    },
  })
}
