import { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Static } from 'typebox'
import { Type as T } from 'typebox'
import type { Core } from '../../../core/herald.ts'
import type { BulkResult, IdTarget, Inbox, ListPage, Viewer } from '../../../core/inbox.ts'
import { principalOf, type SurfaceDeps, viewerOf, withOptionalSlash } from '../../surface.ts'
import { unauthorized, validationFailed } from './errors.ts'
import {
  idErrors,
  type KendoNotification,
  LIST_OPTIONS,
  NotificationList,
  PATHS,
  readIds,
  renderNotification,
} from './map.ts'

/** Kendo's permission names, spelled exactly as Kendo's role editor shows them. */
const UPDATE = 'Notifications: Update'
const DELETE = 'Notifications: Delete'

type Run = (inbox: Inbox, viewer: Viewer, target: IdTarget) => Promise<BulkResult>

const tags = ['kendo']

const BULK: Array<{
  path: string
  permission: string
  run: Run
  operationId: string
  summary: string
}> = [
  {
    path: PATHS.bulkRead,
    permission: UPDATE,
    run: (inbox, v, t) => inbox.changeMany(v, { action: 'read' }, t),
    operationId: 'bulkReadNotifications',
    summary: 'Mark the notifications named by `notification_ids` read, all or none',
  },
  {
    path: PATHS.bulkUnread,
    permission: UPDATE,
    run: (inbox, v, t) => inbox.changeMany(v, { action: 'unread' }, t),
    operationId: 'bulkUnreadNotifications',
    summary: 'Mark the notifications named by `notification_ids` unread, all or none',
  },
  {
    path: PATHS.bulkDelete,
    permission: DELETE,
    run: (inbox, v, t) => inbox.removeMany(v, t),
    operationId: 'bulkDeleteNotifications',
    summary: 'Delete the notifications named by `notification_ids`, all or none',
  },
]

/**
 * Kendo's form request: `notification_ids` must pass every rule and every id must be one of the
 * caller's, or nothing runs. With an element that is not an integer the operation cannot run, but
 * the others are still checked, as Laravel reports every failing element at once.
 */
async function allOrNothing(
  { inbox, viewer, maxIds }: { inbox: Inbox; viewer: Viewer; maxIds: number },
  body: unknown,
  run: Run,
) {
  const input = readIds(body, maxIds)
  if ('errors' in input) throw validationFailed(input.errors)
  const { values, ids } = input
  const integers = !values.includes(null)
  const r = integers
    ? await run(inbox, viewer, { ids, invalid: 'reject' })
    : await inbox.classify(viewer, ids)
  if (!integers || !r.applied) throw validationFailed(idErrors(values, r.invalid))
}

/** A page of the list, with when those of its actors that were deleted as users were deleted. */
interface ActedPage {
  page: ListPage
  deleted: Map<string, Date>
}

/** One page and its deleted actors: one lookup by key per page, not one per notification. */
async function pageAt(core: Core, v: Viewer, cursor?: string): Promise<ActedPage> {
  const page = await core.inbox.list(v, cursor ? { ...LIST_OPTIONS, cursor } : LIST_OPTIONS)
  const actors = page.items.flatMap((n) => (n.actor ? [n.actor.id] : []))
  return { page, deleted: await core.directory.deletedUsers(v.tenantId, actors) }
}

/**
 * Kendo's whole list as one JSON array, written a keyset page at a time: the pipe waits for the
 * client between pages, so memory stays at one page and other requests run in between. A failure
 * after the first page can only cut the answer short (the status is already sent).
 */
async function* wholeList(core: Core, v: Viewer, first: ActedPage) {
  let { page, deleted } = first
  let sep = '['
  for (;;) {
    let chunk = ''
    for (const n of page.items) {
      const item = renderNotification(n, deleted) satisfies Static<typeof KendoNotification>
      chunk += sep + JSON.stringify(item)
      sep = ','
    }
    if (chunk) yield chunk
    if (!page.nextCursor) break
    ;({ page, deleted } = await pageAt(core, v, page.nextCursor))
  }
  yield sep === '[' ? '[]' : ']'
}

/**
 * The largest bulk body worth reading: `maxIds` ids as a client may write them (an id of up to 16
 * digits, as JSON with indentation or as a form's `notification_ids[]=…&`: 64 bytes each), and
 * some room. A body past it holds more ids than are allowed, and is refused by its length before
 * a byte of it is read or parsed.
 */
export const bulkBodyLimit = (maxIds: number): number => 4096 + 64 * maxIds

export const kendoRoutes: FastifyPluginAsyncTypebox<SurfaceDeps> = async (
  app,
  { core, limits },
) => {
  const { inbox, directory } = core

  // The slash twin of each route answers the same: the document lists the route once.
  for (const url of withOptionalSlash(PATHS.list)) {
    const schema = {
      tags,
      hide: url.endsWith('/'),
      operationId: 'listNotifications',
      summary: "List all the caller's notifications, newest first",
      // Documented as the array it is; the handler writes it as a stream (typed so here).
      response: { 200: T.Unsafe<Readable>(NotificationList) },
    }
    app.get(url, { schema }, async (req, reply) => {
      const v = viewerOf(req)
      // The first page before the answer starts: an outage is still a proper error response.
      const first = await pageAt(core, v)
      reply.type('application/json; charset=utf-8')
      return reply.send(Readable.from(wholeList(core, v, first), { objectMode: false }))
    })
  }

  const bodyLimit = Math.min(
    app.initialConfig.bodyLimit ?? Number.POSITIVE_INFINITY,
    bulkBodyLimit(limits.ids),
  )
  for (const b of BULK) {
    for (const url of withOptionalSlash(b.path)) {
      const schema = {
        tags,
        hide: url.endsWith('/'),
        operationId: b.operationId,
        summary: b.summary,
        // The body is Laravel's loose input (see parseLaravelInput): any value reaches validation.
        body: T.Unknown(),
        response: { 204: { type: 'null', description: 'Done' } },
      }
      app.post(url, { schema, bodyLimit }, async (req, reply) => {
        // Laravel authorizes a form request before it validates the body.
        if (!(await directory.can(principalOf(req), b.permission))) throw unauthorized()
        await allOrNothing({ inbox, viewer: viewerOf(req), maxIds: limits.ids }, req.body, b.run)
        return reply.code(204).send()
      })
    }
  }
}
