import { HeraldError } from '../core/errors.ts'
import { currentRequester } from '../core/requester.ts'

type Grant = () => void
/** One tenant's waiters by user, in the order the users get their turns. */
type Users = Map<string, Grant[]>

/** The lane of work that runs outside any request: background jobs, migrations. */
const BACKGROUND = { tenant: '', user: '' }

/**
 * A lock on a single session (PGlite's), handed out fairly: waiters queue by requester
 * (core/requester.ts), and each release goes to the next tenant with waiters in turn, and within
 * that tenant to its next user in turn. A holder runs one statement or one transaction, so a
 * caller behind someone's backlog of a hundred statements waits for about one per other tenant
 * with work, not for the hundred; and a tenant's many users share one turn among them, so no
 * tenant outweighs another by having more users. Work outside requests is one more tenant.
 */
export class FairLock {
  #held = false
  #waiting = 0
  /** Tenants with waiters, in the order they get their turns (a Map keeps insertion order). */
  readonly #tenants = new Map<string, Users>()

  constructor(
    /** Waiters one user may have; past it, a statement is refused as UNAVAILABLE. */
    private readonly maxPerUser: number,
  ) {}

  /** Statements waiting for the session. */
  get waiting(): number {
    return this.#waiting
  }

  /** Resolves with the release once the session is this caller's. */
  async acquire(): Promise<Grant> {
    if (!this.#held) {
      this.#held = true
      return this.#release
    }
    const { tenant, user } = currentRequester() ?? BACKGROUND
    let users = this.#tenants.get(tenant)
    if (!users) {
      users = new Map()
      this.#tenants.set(tenant, users)
    }
    let queue = users.get(user)
    if (!queue) {
      queue = []
      users.set(user, queue)
    }
    if (queue.length >= this.maxPerUser) {
      throw new HeraldError('UNAVAILABLE', 'too much of your work is waiting for the store', {
        retryAfter: 1,
      })
    }
    this.#waiting++
    const waiters = queue
    await new Promise<void>((resolve) => waiters.push(resolve))
    return this.#release
  }

  /** Hands the session to the next tenant's next user in turn, or frees it. */
  readonly #release = (): void => {
    const next = this.#tenants.entries().next()
    if (next.done) {
      this.#held = false
      return
    }
    const [tenant, users] = next.value
    const [user, queue] = users.entries().next().value as [string, Grant[]]
    const grant = queue.shift() as Grant
    // The user and the tenant served go to the back of their rings, if they still wait.
    users.delete(user)
    if (queue.length > 0) users.set(user, queue)
    this.#tenants.delete(tenant)
    if (users.size > 0) this.#tenants.set(tenant, users)
    this.#waiting--
    grant()
  }
}
