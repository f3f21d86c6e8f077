import { HeraldError, invalid, isHeraldError } from './errors.ts'
import type { EventBus, InboxEvent } from './events.ts'
import {
  checkSendInput,
  createSender,
  requestHash,
  type SendInput,
  type SendOutcome,
} from './send.ts'
import type { ScheduledRow, ScheduleError, ScheduleStatus, Store } from './store.ts'

/** When to send: a time, or a delay from now; neither (or a time not after now) sends now. */
export interface When {
  sendAt?: Date
  delaySeconds?: number
}

export type SendOrSchedule = { sent: SendOutcome } | { scheduled: ScheduledRow; replayed: boolean }

export interface SchedulePage {
  items: ScheduledRow[]
  next: string | null
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const DAY_MS = 86_400_000

// SendInput's times, as JSON stores them (ISO strings), turned back into Dates on delivery.
const TIMES = [
  'createdAt',
  'snoozedUntil',
  'expiresAt',
  'lastActionAt',
  'read',
  'seen',
  'dismissed',
]

/** The stored request back as a SendInput: the same hash as before it was stored. */
export function reviveInput(json: unknown): SendInput {
  const input: Record<string, unknown> = { ...(json as Record<string, unknown>) }
  for (const field of TIMES) {
    const v = input[field]
    if (typeof v === 'string') input[field] = new Date(v)
  }
  return input as unknown as SendInput
}

const encodeCursor = (r: ScheduledRow) =>
  Buffer.from(JSON.stringify({ a: r.sendAt.toISOString(), i: r.id })).toString('base64url')

function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown
    if (raw && typeof raw === 'object' && 'a' in raw && 'i' in raw) {
      const at = new Date(String(raw.a))
      const id = String(raw.i)
      const year = at.getUTCFullYear()
      if (year >= 0 && year <= 9999 && UUID.test(id)) return { at, id }
    }
  } catch {
    // fall through to the validation error
  }
  throw new HeraldError('VALIDATION', 'cursor: not a cursor this API returned', { field: 'cursor' })
}

const notFound = () => new HeraldError('NOT_FOUND', 'scheduled send not found')

const reasonOf = (err: unknown): ScheduleError =>
  isHeraldError(err)
    ? { code: err.code, message: err.message }
    : { code: 'INTERNAL', message: 'the delivery failed unexpectedly' }

/**
 * Scheduled and delayed sends. A send with a time in the future is stored whole (tenant, request,
 * idempotency key) and delivered later by `deliverDue` through the ordinary send path: the same
 * fan-out, idempotency and events as a send made then.
 *
 * The guarantee: each scheduled send is delivered at most once, and at least once as long as some
 * scheduler keeps running. The claim (`FOR UPDATE SKIP LOCKED` on PostgreSQL), the send's rows
 * and the mark "delivered" commit in one transaction: a crash before the commit leaves nothing
 * behind but the row still waiting; a commit leaves the notifications and the mark together.
 * Events are published after the commit (a crash in between loses only the wake-up: streams
 * catch up from the store on their next heartbeat).
 *
 * @example
 * const schedules = createSchedules({ store, events, clock, horizonMs: 365 * 86_400_000 })
 * await schedules.send('acme', input, { delaySeconds: 60 })
 * await schedules.deliverDue(100) // what the scheduler runs each tick
 */
export function createSchedules(deps: {
  store: Store
  events: EventBus
  clock: () => Date
  horizonMs: number
  /** Topic and tenant sends with at least this many members are broadcasts (null: never). */
  broadcastMin?: number | null
}) {
  const { store, events, clock, horizonMs } = deps
  const sender = createSender(deps)

  /** The time to send at; null to send now. */
  function dueAt(when: When, now: Date): Date | null {
    if (when.sendAt !== undefined && when.delaySeconds !== undefined)
      throw invalid('sendAt', 'give sendAt or delaySeconds, not both')
    const at =
      when.delaySeconds !== undefined
        ? new Date(now.getTime() + when.delaySeconds * 1000)
        : (when.sendAt ?? null)
    const field = when.delaySeconds !== undefined ? 'delaySeconds' : 'sendAt'
    if (at === null) return null
    if (Number.isNaN(at.getTime())) throw invalid(field, 'is not a valid time')
    if (at.getTime() - now.getTime() > horizonMs)
      throw invalid(field, `must be at most ${Math.floor(horizonMs / DAY_MS)} days ahead`)
    return at
  }

  function sameRequest(row: ScheduledRow, hash: string, key: string): ScheduledRow {
    if (row.requestHash !== hash) {
      throw new HeraldError('CONFLICT', 'idempotency key was used with a different request body', {
        idempotencyKey: key,
      })
    }
    return row
  }

  /** Sends now, or stores the send for later; one idempotency key names one request either way. */
  async function send(
    tenantId: string,
    input: SendInput,
    when: When = {},
    key?: string,
  ): Promise<SendOrSchedule> {
    const now = clock()
    const at = dueAt(when, now)
    const later = at !== null && at.getTime() > now.getTime()
    // A send now without a key is never compared with another request: no digest for it.
    const hash = key !== undefined || later ? requestHash({ request: input, when }) : ''
    if (key !== undefined) {
      const held = await store.findScheduled(tenantId, { key })
      if (held) return { scheduled: sameRequest(held, hash, key), replayed: true }
    }
    if (!later) return { sent: await sender.send(tenantId, input, key) }
    checkSendInput(input)
    if (key !== undefined && (await store.findIdempotent(tenantId, key))) {
      throw new HeraldError('CONFLICT', 'idempotency key was used with a different request body', {
        idempotencyKey: key,
      })
    }
    const row = await store.schedule({
      tenantId,
      sendAt: at,
      request: input,
      requestHash: hash,
      idempotencyKey: key ?? null,
    })
    if (row) return { scheduled: row, replayed: false }
    // Another request with the same key was stored first: answer as it was answered.
    const earlier = await store.findScheduled(tenantId, { key: key ?? '' })
    if (earlier) return { scheduled: sameRequest(earlier, hash, key ?? ''), replayed: true }
    throw new HeraldError('CONFLICT', 'idempotency key is in use by a request still running')
  }

  async function get(tenantId: string, id: string): Promise<ScheduledRow> {
    if (!UUID.test(id)) throw notFound()
    return (await store.findScheduled(tenantId, { id: id.toLowerCase() })) ?? notFoundThrow()
  }

  async function getByKey(tenantId: string, key: string): Promise<ScheduledRow> {
    return (await store.findScheduled(tenantId, { key })) ?? notFoundThrow()
  }

  async function list(
    tenantId: string,
    q: { status: ScheduleStatus; cursor?: string; limit: number },
  ): Promise<SchedulePage> {
    const after = q.cursor === undefined ? null : decodeCursor(q.cursor)
    const rows = await store.listScheduled(tenantId, q.status, after, q.limit + 1)
    const items = rows.slice(0, q.limit)
    const last = items[items.length - 1]
    return { items, next: rows.length > q.limit && last ? encodeCursor(last) : null }
  }

  /** Cancels a waiting send; one already delivered, cancelled or failed is a CONFLICT. */
  async function cancel(tenantId: string, id: string): Promise<ScheduledRow> {
    if (!UUID.test(id)) throw notFound()
    const lower = id.toLowerCase()
    const cancelled = await store.cancelScheduled(tenantId, lower, clock())
    if (cancelled) return cancelled
    const row = await store.findScheduled(tenantId, { id: lower })
    if (!row) throw notFound()
    throw new HeraldError('CONFLICT', `the scheduled send is already ${row.status}`, {
      status: row.status,
    })
  }

  async function cancelByKey(tenantId: string, key: string): Promise<ScheduledRow> {
    return cancel(tenantId, (await getByKey(tenantId, key)).id)
  }

  /**
   * Delivers up to `limit` due sends, one transaction each. A send that fails for a reason a
   * retry cannot fix (its idempotency key taken by another request, say) is marked failed with
   * the reason; when the store is unavailable the run stops and the rows wait for the next one.
   * `stop` is asked between deliveries: a stopping server finishes the one under way only.
   */
  async function deliverDue(
    limit: number,
    stop: () => boolean = () => false,
  ): Promise<{ delivered: number; failed: number }> {
    let delivered = 0
    let failed = 0
    while (delivered + failed < limit && !stop()) {
      const claimed: { row?: ScheduledRow } = {}
      const published: InboxEvent[] = []
      // Events wait for the commit: a rolled-back delivery must wake no one.
      const held: EventBus = {
        publish: (e) => published.push(e),
        subscribe: () => () => {},
        invalidate: () => {},
        onInvalidate: () => () => {},
        onGap: () => () => {},
        onEvent: () => () => {},
        live: () => true,
      }
      try {
        const done = await store.deliverDue(clock(), (row, tx) => {
          claimed.row = row
          const input = reviveInput(row.request)
          // Its broadcast's event, published after the commit, tells the instances its number.
          const broadcastMin = deps.broadcastMin ?? null
          return createSender({ store: tx, events: held, clock, broadcastMin }).send(
            row.tenantId,
            input,
            row.idempotencyKey ?? undefined,
          )
        })
        if (!done) break
        for (const e of published) events.publish(e)
        delivered++
      } catch (err) {
        const row = claimed.row
        if (!row || (isHeraldError(err) && err.code === 'UNAVAILABLE')) throw err
        await store.failScheduled(row.tenantId, row.id, reasonOf(err), clock())
        failed++
      }
    }
    return { delivered, failed }
  }

  return { send, get, getByKey, list, cancel, cancelByKey, deliverDue }
}

function notFoundThrow(): never {
  throw notFound()
}

export type Schedules = ReturnType<typeof createSchedules>
