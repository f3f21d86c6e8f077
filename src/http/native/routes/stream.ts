import { once } from 'node:events'
import type { ServerResponse } from 'node:http'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type as T } from 'typebox'
import type { Config } from '../../../config.ts'
import { HeraldError } from '../../../core/errors.ts'
import type { InboxEvent } from '../../../core/events.ts'
import type { Inbox, Viewer } from '../../../core/inbox.ts'
import type { Notification } from '../../../core/notification.ts'
import { type SurfaceDeps, viewerOf } from '../../surface.ts'
import { renderNotification } from '../convert.ts'
import { COMMON_ERRORS, errorAnswers, tenantHeader } from '../schemas.ts'
import { StreamEvent } from '../stream-events.ts'
import { endStream, streamSlots } from '../stream-slots.ts'

/** A comment line this often keeps proxies from closing an idle stream; it also catches up. */
const HEARTBEAT_MS = 20_000
// What a stream ended by a shutdown asks EventSource to wait before reconnecting (elsewhere).
const DRAIN_RETRY_MS = 1_000
const BADGE_CAP = 99
const PAGE = 100

const STREAM_DESCRIPTION = [
  "Server-Sent Events for the caller's inbox (`text/event-stream`), each a `StreamEvent`:",
  '',
  '| event | data | id |',
  '|---|---|---|',
  '| `notification.created` | a `Notification` | its event number |',
  '| `counts` | `{unread, unseen}`, counted up to 100 | on the first only |',
  '| `notifications.changed`, `notifications.deleted` | `{ids}` (null: refetch) | |',
  '| `reset` | `{reason}`: refetch the list | the number to resume from |',
  '| `closed` | `{reason}`: this stream ends | |',
  '',
  'EventSource cannot send headers: give the token as `access_token`. On reconnect it sends `Last-Event-ID`, and every notification created since is sent again, in order, exactly once. A comment line every 20 s keeps proxies from closing the stream. A stream refused for lack of room is 503 with `Retry-After`.',
].join('\n')

const frame = (event: string, data: unknown, id?: number) =>
  `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`

/** A Last-Event-ID this stream issued: an event number. Anything else is unknown. */
const eventNumber = (raw: string | undefined): number | 'unknown' | null => {
  if (raw === undefined || raw === '') return null
  return /^\d{1,15}$/.test(raw) ? Number(raw) : 'unknown'
}

/**
 * Where a (re)connecting stream starts: its mark (the last event number the client has), what it
 * missed since, or whether the client must refetch instead (an id we never issued, or more
 * missed than a replay carries).
 */
async function startingPoint(
  inbox: Inbox,
  v: Viewer,
  lastEventId: string | undefined,
  replayMax: number,
) {
  const latest = await inbox.latestSeq(v)
  const last = eventNumber(lastEventId)
  const none: Notification[] = []
  if (last === null) return { mark: latest, reset: null, missed: none }
  if (last === 'unknown' || last > latest) {
    return { mark: latest, reset: 'unknown-event-id', missed: none }
  }
  // Counted on the index first: a stream resuming from the start of a large inbox must not read
  // (and join) a thousand rows only to find it has to reset.
  if ((await inbox.countSince(v, last, replayMax + 1)) > replayMax) {
    return { mark: latest, reset: 'too-many-missed', missed: none }
  }
  const missed = await inbox.since(v, last, replayMax)
  return { mark: last, reset: null, missed }
}

/** Whether the consumer read what waits for it within `ms` (false also when the stream went). */
async function drained(res: ServerResponse, ms: number): Promise<boolean> {
  try {
    await once(res, 'drain', { signal: AbortSignal.timeout(ms) })
    return !res.destroyed
  } catch {
    return false
  }
}

/**
 * Writes to one stream, in order; false once it is gone. Once more than `maxBytes` wait for the
 * consumer, the next write waits for it to read (a replay or a burst of events simply goes at
 * the reader's pace); a consumer that has not read within `stallMs` is dropped, never buffered
 * further: one slow or malicious reader must not hold the server's memory.
 */
function sseWriter(req: FastifyRequest, res: ServerResponse, o: Config['stream']) {
  return async (s: string): Promise<boolean> => {
    if (res.writableEnded || res.destroyed) return false
    if (res.writableLength > o.bufferBytes && !(await drained(res, o.stallMs))) {
      if (!res.destroyed) {
        req.log.info(
          { buffered: res.writableLength },
          'stream dropped: its consumer stopped reading',
        )
        res.destroy()
      }
      return false
    }
    if (res.writableEnded || res.destroyed) return false
    res.write(s)
    return true
  }
}

/**
 * GET /v1/me/stream: Server-Sent Events for the caller's inbox, every new notification exactly
 * once and in commit order. Event ids are the tenant's event numbers (assigned in commit order by
 * the send), and the bus only wakes the stream: on each wake-up, on a bus gap and on every
 * heartbeat, the stream reads from the store what is past the last number it delivered.
 */
export const streamRoutes: FastifyPluginAsyncTypebox<SurfaceDeps> = async (
  app,
  { core, stream: limits },
) => {
  const { inbox, events } = core

  // Open streams never finish on their own: a shutdown ends them, with a reconnect hint, so the
  // drain can complete and clients move to another instance.
  const slots = streamSlots(limits)
  app.addHook('preClose', (done) => {
    for (const res of slots.all()) endStream(res, DRAIN_RETRY_MS)
    done()
  })

  const counts = (v: Viewer) =>
    inbox.counts(v, { unread: { read: false }, unseen: { seen: false } }, BADGE_CAP)
  const created = (n: Notification) =>
    frame('notification.created', renderNotification(n, core.clock()), n.seq ?? undefined)

  /** Where a stream starts, and its first counts. */
  const opening = async (v: Viewer, lastEventId: string | undefined) => ({
    ...(await startingPoint(inbox, v, lastEventId, limits.replayMax)),
    initial: await counts(v),
  })

  /** One stream's writer: every write in order, one task at a time, catch-ups coalesced. */
  function streamer(
    req: FastifyRequest,
    v: Viewer,
    start: number,
    write: (s: string) => Promise<boolean>,
  ) {
    let mark = start
    let queue: Promise<void> = Promise.resolve()
    let caughtUpQueued = false
    const enqueue = (task: () => Promise<void>) => {
      queue = queue.then(task).catch((err: unknown) => {
        if (!(err instanceof HeraldError)) req.log.warn({ err }, 'stream event failed')
      })
    }
    const drain = async () => {
      for (;;) {
        const batch = await inbox.since(v, mark, PAGE)
        for (const n of batch) {
          // A dropped stream reads no further pages.
          if (!(await write(created(n)))) return 0
          mark = Math.max(mark, n.seq ?? mark)
        }
        if (batch.length < PAGE) return batch.length
      }
    }
    return {
      /** Writes frames first in the queue: the opening and what a reconnect missed. */
      open(first: string[], missed: Notification[]) {
        enqueue(async () => {
          for (const s of first) if (!(await write(s))) return
          for (const n of missed) {
            if (!(await write(created(n)))) return
            mark = Math.max(mark, n.seq ?? mark)
          }
        })
      },
      /** A comment that keeps proxies from closing an idle stream (and finds a stalled reader). */
      keepAlive() {
        enqueue(async () => {
          await write(': keep-alive\n\n')
        })
      },
      /** Reads what is new; a wake-up while one is queued but not started adds nothing. */
      catchUp(withCounts: boolean) {
        if (caughtUpQueued) return
        caughtUpQueued = true
        enqueue(async () => {
          caughtUpQueued = false
          const sent = await drain()
          if (withCounts || sent > 0) await write(frame('counts', await counts(v)))
        })
      },
      hint(e: InboxEvent) {
        enqueue(async () => {
          if (await write(frame(e.type, { ids: e.ids ?? null })))
            await write(frame('counts', await counts(v)))
        })
      },
    }
  }

  app.get(
    '/me/stream',
    {
      config: { needs: 'user' },
      schema: {
        tags: ['stream'],
        operationId: 'streamEvents',
        summary:
          'Live inbox events (Server-Sent Events); reconnect with Last-Event-ID to replay what was missed',
        description: STREAM_DESCRIPTION,
        security: [{ userToken: [] }],
        headers: T.Object({
          ...tenantHeader,
          'last-event-id': T.Optional(
            T.String({
              maxLength: 512,
              description: 'The last event number received: what came since is replayed',
            }),
          ),
        }),
        querystring: T.Object(
          {
            access_token: T.Optional(
              T.String({
                maxLength: 4096,
                description:
                  'The user token, for EventSource, which cannot send an Authorization header',
              }),
            ),
            tenant: T.Optional(
              T.String({
                maxLength: 200,
                description:
                  "The tenant to follow, one of the user token's `tenants`, for EventSource, which cannot send X-Herald-Tenant",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: {
            description: 'The event stream, open until the client or the server ends it',
            content: { 'text/event-stream': { schema: StreamEvent } },
          },
          ...errorAnswers(...COMMON_ERRORS),
        },
      },
    },
    async (req, reply) => {
      const v = viewerOf(req)
      const slot = slots.reserve()
      const { mark, reset, missed, initial } = await opening(v, req.headers['last-event-id']).catch(
        (err: unknown) => {
          slot.cancel()
          throw err
        },
      )
      reply.hijack()
      const res = reply.raw
      // Gone while the stream was being prepared: its 'close' has passed, nothing would free it.
      if (res.destroyed || req.raw.destroyed) return slot.cancel()
      // Hijacked: no onSend hook sees this answer, so it carries what the hooks before the
      // handler set on the reply (the security headers, CORS).
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) res.setHeader(name, value)
      }
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      })
      const stream = streamer(req, v, mark, sseWriter(req, res, limits))
      stream.open(
        [
          'retry: 3000\n\n',
          // The reset tells the client to refetch its list; its id resumes from now on reconnect.
          ...(reset ? [frame('reset', { reason: reset }, mark)] : []),
          frame('counts', initial, mark),
        ],
        missed,
      )
      stream.catchUp(false)
      const listener = (e: InboxEvent) =>
        e.type === 'notification.created' || e.userId === '*'
          ? stream.catchUp(true)
          : stream.hint(e)
      const unsubscribe = [
        events.subscribe(v.tenantId, v.userId, listener),
        events.subscribe(v.tenantId, '*', listener),
        events.onGap(() => stream.catchUp(true)),
      ]
      const heartbeat = setInterval(() => {
        stream.keepAlive()
        stream.catchUp(false)
      }, HEARTBEAT_MS)
      slot.open(v, res)
      req.raw.once('close', () => {
        clearInterval(heartbeat)
        for (const off of unsubscribe) off()
      })
    },
  )
}
