import type { ServerResponse } from 'node:http'
import type { Config } from '../../config.ts'
import { HeraldError } from '../../core/errors.ts'
import type { Viewer } from '../../core/inbox.ts'

/** What a stream closed to make room for its user's newer one asks EventSource to wait. */
const EVICTED_RETRY_MS = 10_000
/** Seconds a stream refused for lack of room asks its client to wait (another instance may have room). */
const FULL_RETRY_S = 5

/** Ends a stream with a reconnect hint and, when given, a last event saying why. */
export function endStream(res: ServerResponse, retryMs: number, last = '') {
  const socket = res.socket
  if (!res.writableEnded) res.end(`${last}retry: ${retryMs}\n\n`, () => socket?.end())
}

/**
 * The open streams of one instance, bounded in total and per user.
 *
 * Past the per-user bound the user's oldest stream is closed (with a retry hint) rather than the
 * new one refused: the newest is the tab the person is looking at, EventSource gives up for good
 * on a non-200 (a 429 would leave that tab dead), and a stale connection nobody has noticed yet (a
 * closed laptop behind a proxy) would otherwise lock its user out. A user still never holds more
 * than the bound. Past the instance bound a new stream is refused with UNAVAILABLE (503 with
 * Retry-After): another instance behind the balancer may have room.
 */
export function streamSlots(limits: Config['stream']) {
  const all = new Set<ServerResponse>()
  const byUser = new Map<string, Set<ServerResponse>>()
  let reserved = 0
  const key = (v: Viewer) => `${v.tenantId}\u0000${v.userId}`

  function add(v: Viewer, res: ServerResponse) {
    const k = key(v)
    const mine = byUser.get(k) ?? new Set<ServerResponse>()
    byUser.set(k, mine)
    // Sets keep insertion order: the first is the oldest.
    for (const old of mine) {
      if (mine.size < limits.maxPerUser) break
      mine.delete(old)
      endStream(old, EVICTED_RETRY_MS, 'event: closed\ndata: {"reason":"too-many-streams"}\n\n')
    }
    mine.add(res)
    all.add(res)
    res.once('close', () => {
      all.delete(res)
      mine.delete(res)
      if (mine.size === 0 && byUser.get(k) === mine) byUser.delete(k)
    })
  }

  return {
    /** Every open stream (a shutdown ends them). */
    all: () => all,
    /**
     * Holds a place for a stream about to open, before any await, so concurrent opens cannot pass
     * the instance bound. `open` registers it once hijacked; `cancel` gives the place back.
     */
    reserve() {
      if (all.size + reserved >= limits.max) {
        throw new HeraldError(
          'UNAVAILABLE',
          `this instance serves ${limits.max} streams at most; retry later`,
          { retryAfter: FULL_RETRY_S },
        )
      }
      reserved++
      let held = true
      const cancel = () => {
        if (held) reserved--
        held = false
      }
      return {
        cancel,
        open(v: Viewer, res: ServerResponse) {
          cancel()
          add(v, res)
        },
      }
    },
  }
}
