import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * Whose work a store call is: the tenant and the user (or API key) a request acts for. A store
 * with one session (PGlite) queues statements by requester, so one caller's backlog is not
 * everyone's wait (storage/fair-lock.ts).
 */
export interface Requester {
  tenant: string
  user: string
}

const current = new AsyncLocalStorage<Requester>()

/**
 * Runs `fn` as `requester`'s work: every store call it makes, awaited or not, is counted as theirs.
 *
 * @example
 * await asRequester({ tenant: 'acme', user: 'alice' }, () => inbox.list(viewer, query))
 */
export const asRequester = <T>(requester: Requester, fn: () => T): T => current.run(requester, fn)

/** The requester whose work is running; undefined outside any request (background jobs). */
export const currentRequester = (): Requester | undefined => current.getStore()
