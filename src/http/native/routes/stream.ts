import { AsyncResource } from 'node:async_hooks'
import { once } from 'node:events'
import type { ServerResponse } from 'node:http'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type as T } from 'typebox'
import type { Config } from '../../../config.ts'
import { HeraldError } from '../../../core/errors.ts'
import type { InboxEvent } from '../../../core/events.ts'
import type { Inbox, Viewer } from '../../../core/inbox.ts'
import type { StreamNotification } from '../../../core/store.ts'
import { type SurfaceDeps, viewerOf } from '../../surface.ts'
import { renderNotification } from '../convert.ts'
import { COMMON_ERRORS, errorAnswers, tenantHeader } from '../schemas.ts'
import { contentCache } from '../stream-content.ts'
import { StreamEvent } from '../stream-events.ts'
import { endStream, streamSlots } from '../stream-slots.ts'

/** A comment line this often keeps proxies from closing an idle stream; it also catches up. */
const HEARTBEAT_MS = 20_000
// What a stream ended by a shutdown asks EventSource to wait before reconnecting (elsewhere).
const DRAIN_RETRY_MS = 1_000
const BADGE_CAP = 99
// Rows a catch-up reads at a time: a replay pages through them; a burst of large notifications to a
// slow reader costs at most this many rows per stream reading at once (HERALD_STREAM_READS).
const PAGE = 10

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

/** A `notification.created` frame: its own part, the message's shared part, and the end. */
interface Frame {
  head: string
  shared: Buffer
  tail: string
}

/** Messages' shared parts kept for the streams that read them next (stream-content.ts). */
const CONTENT_CACHE_BYTES = 8 * 1024 * 1024

/** A Last-Event-ID this stream issued: an event number. Anything else is unknown. */
const eventNumber = (raw: string | undefined): number | 'unknown' | null => {
  if (raw === undefined || raw === '') return null
  return /^\d{1,15}$/.test(raw) ? Number(raw) : 'unknown'
}

/**
 * Where a (re)connecting stream starts: its mark (the last event number the client has), or
 * whether the client must refetch instead (an id we never issued, or more missed than a replay
 * carries). What was missed is then read a page at a time, like any catch-up.
 */
async function startingPoint(
  inbox: Inbox,
  v: Viewer,
  lastEventId: string | undefined,
  replayMax: number,
) {
  const latest = await inbox.latestSeq(v)
  const last = eventNumber(lastEventId)
  if (last === null) return { mark: latest, reset: null }
  if (last === 'unknown' || last > latest) return { mark: latest, reset: 'unknown-event-id' }
  // Counted on the index: a stream resuming from the start of a large inbox must not read (and
  // join) a thousand rows only to find it has to reset.
  if ((await inbox.countSince(v, last, replayMax + 1)) > replayMax) {
    return { mark: latest, reset: 'too-many-missed' }
  }
  return { mark: last, reset: null }
}

/**
 * At most `n` tasks at once, the others waiting their turn in order: the store reads of every
 * stream of the instance. A send to every user wakes every stream; without it each would hold a
 * pool connection, or wait for one holding its query and then its rows, all at the same moment.
 */
export function gate(n: number) {
  let running = 0
  const waiting: Array<() => void> = []
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve))
    else running++
    try {
      return await task()
    } finally {
      const next = waiting.shift()
      if (next) next()
      else running--
    }
  }
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
 * One stream's output. Once the socket asks to wait (a write returned false: what it holds is
 * past its high-water mark) or more than `bufferBytes` wait for the consumer, nothing more is
 * written until it drains: `ready` waits for that (a replay or a burst of events goes at the
 * reader's pace), so a stream holds at most the one event that filled it, and a consumer that has
 * not read within `stallMs` is dropped, never buffered further: one slow or malicious reader must
 * not hold the server's memory. A catch-up checks `room` before each row and stops once it is
 * full, reading the rest again once the reader has caught up, so no rows are held while it
 * waits; `fits` says how many rows to read for the room left, so that it rarely reads one it
 * lets go.
 */
function sseOutput(req: FastifyRequest, res: ServerResponse, o: Config['stream']) {
  const gone = () => res.writableEnded || res.destroyed
  const room = () => !res.writableNeedDrain && res.writableLength <= o.bufferBytes
  // Rows the catch-ups read from the store and wrote, and the size of the last one written.
  const rows = { read: 0, written: 0, lastBytes: 0 }
  /** Writes now; false once the stream is gone. */
  const put = (s: string) => {
    if (gone()) return false
    res.write(s)
    return true
  }
  /**
   * Writes one notification's frame now, its shared part (the message's content, see
   * stream-content.ts) as the Buffer itself; false once the stream is gone.
   */
  const putRow = (f: Frame) => {
    if (gone()) return false
    res.write(f.head)
    res.write(f.shared)
    res.write(f.tail)
    rows.written++
    rows.lastBytes = Buffer.byteLength(f.head) + f.shared.length + f.tail.length
    return true
  }
  /**
   * Rows (at most `most`) that fill the room left if they are the size of the last one: each
   * one the buffer takes, and the one that crosses the bound.
   */
  const fits = (most: number) =>
    rows.lastBytes === 0
      ? most
      : Math.max(
          1,
          Math.min(most, Math.floor((o.bufferBytes - res.writableLength) / rows.lastBytes) + 1),
        )
  /** Waits until the consumer has room; false once the stream is gone or dropped. */
  const ready = async (): Promise<boolean> => {
    if (gone()) return false
    if (!room() && !(await drained(res, o.stallMs))) {
      if (!res.destroyed) {
        req.log.info(
          { buffered: res.writableLength, rowsRead: rows.read, rowsWritten: rows.written },
          'stream dropped: its consumer stopped reading',
        )
        res.destroy()
      }
      return false
    }
    return !gone()
  }
  return {
    room,
    put,
    putRow,
    fits,
    ready,
    /** Counts rows read from the store for this stream. */
    readRows: (n: number) => {
      rows.read += n
    },
    write: async (s: string) => (await ready()) && put(s),
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
  const reading = gate(limits.reads)
  app.addHook('preClose', (done) => {
    for (const res of slots.all()) endStream(res, DRAIN_RETRY_MS)
    done()
  })

  const counts = (v: Viewer) =>
    reading(() => inbox.counts(v, { unread: { read: false }, unseen: { seen: false } }, BADGE_CAP))
  const contents = contentCache(CONTENT_CACHE_BYTES, (t, ids) => inbox.messageContent(t, ids))
  /** A notification's frame: its own members, then its message's shared `data` and `actions`. */
  const created = (n: StreamNotification, shared: Buffer): Frame => {
    const {
      data: _d,
      actions: _a,
      ...own
    } = renderNotification({ ...n, data: null, actions: [] }, core.clock())
    const id = n.seq === null ? '' : `id: ${n.seq}\n`
    const json = JSON.stringify(own)
    return {
      head: `${id}event: notification.created\ndata: ${json.slice(0, -1)},`,
      shared,
      tail: '}\n\n',
    }
  }

  /** Where a stream starts, and its first counts. */
  const opening = async (v: Viewer, lastEventId: string | undefined) => ({
    ...(await reading(() => startingPoint(inbox, v, lastEventId, limits.replayMax))),
    initial: await counts(v),
  })

  /** One stream's writer: every write in order, one task at a time, catch-ups coalesced. */
  function streamer(
    req: FastifyRequest,
    v: Viewer,
    start: number,
    out: ReturnType<typeof sseOutput>,
  ) {
    let mark = start
    let queue: Promise<void> = Promise.resolve()
    let caughtUpQueued = false
    const enqueue = (task: () => Promise<void>) => {
      queue = queue.then(task).catch((err: unknown) => {
        if (!(err instanceof HeraldError)) req.log.warn({ err }, 'stream event failed')
      })
    }
    /**
     * Sends what is past the mark, a page at a time; how many it sent, or null once gone. A page
     * holds what the buffer's room takes at the size of the last notification sent, so a slow
     * reader of large notifications is read a row at a time, each row read once (a page of ten
     * let go at a full buffer, again on every wake-up, was most of what a flood read and threw
     * away, and held every stalled reader's drop behind it).
     */
    const drain = async (): Promise<number | null> => {
      let sent = 0
      for (;;) {
        if (!(await out.ready())) return null
        const limit = out.fits(PAGE)
        const { batch, shared } = await reading(async () => {
          const batch = await inbox.since(v, mark, limit)
          const ids = batch.map((n) => n.messageId)
          return { batch, shared: await contents.get(v.tenantId, ids) }
        })
        out.readRows(batch.length)
        let i = 0
        // At a full buffer the rest of the page is let go and read again after the wait.
        for (; i < batch.length && out.room(); i++) {
          const n = batch[i] as StreamNotification
          if (!out.putRow(created(n, shared.get(n.messageId) as Buffer))) return null
          mark = Math.max(mark, n.seq ?? mark)
        }
        sent += i
        if (i === batch.length && batch.length < limit) return sent
      }
    }
    return {
      /** Writes the opening frames first in the queue. */
      open(first: string[]) {
        enqueue(async () => {
          for (const s of first) if (!(await out.write(s))) return
        })
      },
      /** A comment that keeps proxies from closing an idle stream (and finds a stalled reader). */
      keepAlive() {
        enqueue(async () => {
          await out.write(': keep-alive\n\n')
        })
      },
      /** Reads what is new; a wake-up while one is queued but not started adds nothing. */
      catchUp(withCounts: boolean) {
        if (caughtUpQueued) return
        caughtUpQueued = true
        enqueue(async () => {
          caughtUpQueued = false
          const sent = await drain()
          if (sent !== null && (withCounts || sent > 0))
            await out.write(frame('counts', await counts(v)))
        })
      },
      hint(e: InboxEvent) {
        enqueue(async () => {
          if (await out.write(frame(e.type, { ids: e.ids ?? null })))
            await out.write(frame('counts', await counts(v)))
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
      const { mark, reset, initial } = await opening(v, req.headers['last-event-id']).catch(
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
      const stream = streamer(req, v, mark, sseOutput(req, res, limits))
      stream.open([
        'retry: 3000\n\n',
        // The reset tells the client to refetch its list; its id resumes from now on reconnect.
        ...(reset ? [frame('reset', { reason: reset }, mark)] : []),
        frame('counts', initial, mark),
      ])
      // What a reconnect missed, then anything sent while the stream was opening.
      stream.catchUp(false)
      // Run in this request's context: the reads an event wakes are the stream owner's work
      // (core/requester.ts), not the work of whoever sent the event. One resource serves every
      // listener (AsyncResource.bind would make one, and a function of its own, per listener).
      const scope = new AsyncResource('herald.stream')
      const onEvent = (e: InboxEvent) =>
        e.type === 'notification.created' || e.userId === '*'
          ? stream.catchUp(true)
          : stream.hint(e)
      const listener = (e: InboxEvent) => scope.runInAsyncScope(onEvent, null, e)
      const unsubscribe = [
        events.subscribe(v.tenantId, v.userId, listener),
        events.subscribe(v.tenantId, '*', listener),
        events.onGap(() => scope.runInAsyncScope(stream.catchUp, null, true)),
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
