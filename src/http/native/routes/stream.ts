import type { ServerResponse } from 'node:http'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type as T } from 'typebox'
import { decodeCursor, encodeCursor } from '../../../core/cursor.ts'
import { HeraldError } from '../../../core/errors.ts'
import type { InboxEvent } from '../../../core/events.ts'
import type { Viewer } from '../../../core/inbox.ts'
import type { Notification } from '../../../core/notification.ts'
import { type SurfaceDeps, viewerOf } from '../../surface.ts'
import { renderNotification } from '../convert.ts'

const HEARTBEAT_MS = 20_000
// What a stream ended by a shutdown asks EventSource to wait before reconnecting (elsewhere).
const DRAIN_RETRY_MS = 1_000
const BADGE_CAP = 99

const frame = (event: string, data: unknown, id?: string) =>
  `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`

/**
 * GET /v1/me/stream: Server-Sent Events for the caller's inbox. Events are hints after commit; the
 * event id of each new notification is a cursor, so a client reconnecting with Last-Event-ID is
 * sent, from the database, every notification it missed.
 */
export const streamRoutes: FastifyPluginAsyncTypebox<SurfaceDeps> = async (app, { core }) => {
  const { inbox, events } = core

  // Open streams never finish on their own: a shutdown ends them, with a reconnect hint, so the
  // drain can complete and clients move to another instance.
  const open = new Set<ServerResponse>()
  app.addHook('preClose', (done) => {
    for (const res of open) {
      const socket = res.socket
      res.end(`retry: ${DRAIN_RETRY_MS}\n\n`, () => socket?.end())
    }
    done()
  })

  const counts = async (v: Viewer) =>
    inbox.counts(v, { unread: { read: false }, unseen: { seen: false } }, BADGE_CAP)

  const created = (n: Notification) =>
    frame(
      'notification.created',
      renderNotification(n, core.clock()),
      encodeCursor({ at: n.createdAt, id: n.id }),
    )

  /** Everything after the client's last event, oldest first, one page at a time. */
  async function replay(v: Viewer, lastEventId: string, write: (s: string) => void) {
    let cursor: string | null = lastEventId
    while (cursor) {
      const page = await inbox.list(v, {
        sort: { field: 'createdAt', direction: 'asc' },
        cursor,
        limit: 100,
      })
      for (const n of page.items) write(created(n))
      cursor = page.nextCursor
    }
  }

  async function onEvent(v: Viewer, e: InboxEvent, write: (s: string) => void) {
    if (e.type === 'notification.created' && e.ids) {
      for (const id of e.ids) write(created(await inbox.get(v, id)))
    } else {
      write(frame(e.type, { ids: e.ids ?? null }))
    }
    write(frame('counts', await counts(v)))
  }

  app.get(
    '/me/stream',
    {
      config: { needs: 'user' },
      schema: {
        tags: ['inbox'],
        summary: 'Live inbox events (Server-Sent Events); reconnect with Last-Event-ID to replay',
        security: [{ userToken: [] }],
        headers: T.Object({ 'last-event-id': T.Optional(T.String({ maxLength: 512 })) }),
        querystring: T.Object(
          {
            access_token: T.Optional(T.String({ maxLength: 4096, description: 'For EventSource' })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => {
      const v = viewerOf(req)
      const lastEventId = req.headers['last-event-id']
      // A bad Last-Event-ID is a 400 now, not a silent stream that never replays.
      if (lastEventId) decodeCursor(lastEventId)
      const initial = await counts(v)
      reply.hijack()
      const res = reply.raw
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      })
      const write = (s: string) => {
        if (!res.writableEnded) res.write(s)
      }
      // Writes happen in order, one at a time, so a replay is never interleaved with live events.
      let queue: Promise<void> = Promise.resolve()
      const enqueue = (task: () => Promise<void>) => {
        queue = queue.then(task).catch((err: unknown) => {
          if (!(err instanceof HeraldError)) req.log.warn({ err }, 'stream event failed')
        })
      }
      write('retry: 3000\n\n')
      write(frame('counts', initial))
      if (lastEventId) enqueue(() => replay(v, lastEventId, write))
      const listener = (e: InboxEvent) => enqueue(() => onEvent(v, e, write))
      const unsubscribe = [
        events.subscribe(v.tenantId, v.userId, listener),
        events.subscribe(v.tenantId, '*', listener),
      ]
      const heartbeat = setInterval(() => write(': keep-alive\n\n'), HEARTBEAT_MS)
      open.add(res)
      res.once('close', () => open.delete(res))
      req.raw.once('close', () => {
        clearInterval(heartbeat)
        for (const off of unsubscribe) off()
      })
    },
  )
}
