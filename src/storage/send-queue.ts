import type { Kysely } from 'kysely'
import type { SendResult } from '../core/store.ts'
import type { Database } from './schema.ts'
import { type SmallSend, sendTogether } from './send-store.ts'

/** Most sends one statement carries, and most recipients among them. */
export const QUEUE_LIMITS = { sends: 32, recipients: 1_000 }

interface Waiting extends SmallSend {
  resolve(r: SendResult): void
  reject(err: unknown): void
}

/**
 * Application-side group commit for sends to a few users. Every send of a tenant takes the
 * tenant's row lock (its event number) and holds it through its commit, so a tenant's sends
 * commit one at a time, each paying a WAL flush alone. Here a tenant has at most one such
 * statement in flight from this process; sends arriving meanwhile wait, and go together in the
 * next statement (`sendTogether`): one lock, one commit, one flush for all of them. A send with
 * nothing in flight goes at once, so a lone send waits for nothing.
 *
 * If a statement of several fails on a value (a data or constraint error), each of its sends is
 * tried alone, so that one send's bad value fails that send only; any other failure (a timeout,
 * an outage) fails them all at once. Sends leave in the order they came. Two grouped sends with
 * the same group key never share a statement: the second would fold into a row the first inserts
 * in the same command, which PostgreSQL refuses.
 */
export function createSendQueue(db: Kysely<Database>) {
  // Tenants with a statement in flight, and the sends waiting for it.
  const waiting = new Map<string, Waiting[]>()

  const settle = async (batch: Waiting[]) => {
    try {
      const results = await sendTogether(db, batch)
      batch.forEach((w, i) => {
        const r = results[i]
        if (r) w.resolve(r)
        else w.reject(new Error('a queued send came back without its result'))
      })
    } catch (err) {
      // Only a send's own bad value is worth a retry alone; a timeout or an outage would just
      // come back once per send, so it fails them all at once.
      if (batch.length === 1 || !ownFault(err)) {
        for (const w of batch) w.reject(err)
        return
      }
      for (const w of batch) await settle([w])
    }
  }

  const drain = async (tenantId: string, batch: Waiting[]) => {
    for (let next = batch; next.length > 0; next = take(waiting.get(tenantId) ?? [])) {
      await settle(next)
    }
    waiting.delete(tenantId)
  }

  return (small: SmallSend): Promise<SendResult> =>
    new Promise((resolve, reject) => {
      const w: Waiting = { s: small.s, ids: small.ids, resolve, reject }
      const queue = waiting.get(small.s.tenantId)
      if (queue) {
        queue.push(w)
        return
      }
      waiting.set(small.s.tenantId, [])
      void drain(small.s.tenantId, [w])
    })
}

/**
 * Whether a failed statement's error may come from one send's values: a data exception or a
 * violated constraint (SQLSTATE classes 22 and 23), as against a lost connection, a timeout or a
 * cancel, which every send in it would meet again.
 */
const ownFault = (err: unknown) => /^2[23]/.test(String((err as { code?: unknown }).code ?? ''))

/** Takes the next statement's sends off the front of `queue`, within the limits. */
function take(queue: Waiting[]): Waiting[] {
  const batch: Waiting[] = []
  const groups = new Set<string>()
  let recipients = 0
  for (const w of queue) {
    const key = w.s.groupKey
    if (batch.length === QUEUE_LIMITS.sends) break
    if (batch.length > 0 && recipients + w.ids.length > QUEUE_LIMITS.recipients) break
    if (key !== null && groups.has(key)) break
    if (key !== null) groups.add(key)
    recipients += w.ids.length
    batch.push(w)
  }
  queue.splice(0, batch.length)
  return batch
}
