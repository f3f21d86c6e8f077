import { HeraldError } from '../core/errors.ts'
import { currentRequester } from '../core/requester.ts'

type Grant = () => void

/** One requester's claim on the session: its waiters, and the session time it has used. */
interface Lane {
  waiters: Grant[]
  /** Session time used, on the lock's virtual clock (ms). */
  used: number
}

/** The lane of work that runs outside any request: background jobs, migrations. */
const BACKGROUND = '\u0000'

/** Lanes kept without waiters before those owing nothing are dropped. */
const PRUNE_AT = 1024

/**
 * A lock on a single session (PGlite's), handed out fairly by the session time each requester
 * (core/requester.ts: a tenant's user or API key) has used: weighted fair queuing, with the
 * session as the one resource. Each release goes to the waiting requester that has used the
 * least. The lock keeps a virtual clock, the time each requester waiting would have had if the
 * session were shared out evenly among them: each statement moves it on by its time divided by the
 * number of requesters that wanted the session meanwhile. A requester that starts waiting starts
 * at the clock, so idling earns no credit; one that just held the session for 300 ms while others
 * waited keeps that debt until each of them has had as much, but no longer: the clock runs on
 * while it is away, and a user who returns waits for the users active now, not for every user
 * the lock has seen. First come, first served would make every ordinary statement wait for every
 * expensive one queued ahead of it. A holder runs one statement or one whole transaction, charged
 * the time it held the session, so no statement is ever cut short; with no one else waiting,
 * anyone goes at once.
 */
export class FairLock {
  #held = false
  #waiting = 0
  /** The virtual clock (ms): where a requester starting to wait starts. */
  #clock = 0
  #holder: Lane | null = null
  #since = 0
  readonly #lanes = new Map<string, Lane>()
  /** The lanes with waiters. */
  readonly #queued = new Set<Lane>()

  constructor(
    /** Waiters one requester may have; past it, a statement is refused as UNAVAILABLE. */
    private readonly maxPerUser: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Statements waiting for the session. */
  get waiting(): number {
    return this.#waiting
  }

  /** Resolves with the release once the session is this caller's. */
  async acquire(): Promise<Grant> {
    const lane = this.#lane()
    if (!this.#held) {
      this.#take(lane)
      return this.#release
    }
    if (lane.waiters.length >= this.maxPerUser) {
      throw new HeraldError('UNAVAILABLE', 'too much of your work is waiting for the store', {
        retryAfter: 1,
      })
    }
    if (lane.waiters.length === 0) {
      lane.used = Math.max(lane.used, this.#clock)
      this.#queued.add(lane)
    }
    this.#waiting++
    await new Promise<void>((resolve) => lane.waiters.push(resolve))
    return this.#release
  }

  #lane(): Lane {
    const r = currentRequester()
    const key = r ? `${r.tenant}\u0000${r.user}` : BACKGROUND
    let lane = this.#lanes.get(key)
    if (!lane) {
      if (this.#lanes.size >= PRUNE_AT) this.#prune()
      lane = { waiters: [], used: this.#clock }
      this.#lanes.set(key, lane)
    }
    return lane
  }

  /** Forgets lanes that neither wait nor owe: they would start at the clock anyway. */
  #prune(): void {
    for (const [key, lane] of this.#lanes) {
      if (lane.waiters.length === 0 && lane.used <= this.#clock && lane !== this.#holder) {
        this.#lanes.delete(key)
      }
    }
  }

  #take(lane: Lane): void {
    this.#held = true
    this.#holder = lane
    this.#since = this.now()
    this.#clock = Math.max(this.#clock, lane.used)
  }

  /** Charges the holder its time, and hands the session to the waiter that has used the least. */
  readonly #release = (): void => {
    const holder = this.#holder
    if (holder) {
      const held = Math.max(0, this.now() - this.#since)
      holder.used += held
      // Shared evenly, each requester that wanted the session meanwhile would have had this much.
      // Not for background work (a job's transaction, a test's hold): those waiting through it
      // did not have their shares, and one who returns after it must not start behind them.
      if (holder !== this.#lanes.get(BACKGROUND)) {
        this.#clock += held / (this.#queued.size + (this.#queued.has(holder) ? 0 : 1))
      }
    }
    let next: Lane | null = null
    for (const lane of this.#queued) if (!next || lane.used < next.used) next = lane
    if (!next) {
      this.#held = false
      this.#holder = null
      return
    }
    const grant = next.waiters.shift() as Grant
    if (next.waiters.length === 0) this.#queued.delete(next)
    this.#waiting--
    this.#take(next)
    grant()
  }
}
