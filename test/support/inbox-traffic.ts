import type { Call, Outcome } from './load.ts'

/** What the server acknowledged during a load run: the ground truth a crash must not lose. */
export interface Ledger {
  /** Acknowledged sends (201), by notification id, with their unique titles. */
  sent: Map<number, string>
  /** Acknowledged deletes (204). */
  deleted: Set<number>
  /** Deletes sent but not acknowledged: each may or may not have committed. */
  deleting: Set<number>
  /** Titles of sends that got no acknowledgement (an error status, or no answer at all). */
  unacknowledged: Map<string, number>
}

export const newLedger = (): Ledger => ({
  sent: new Map(),
  deleted: new Set(),
  deleting: new Set(),
  unacknowledged: new Map(),
})

export interface Traffic {
  url: string
  /** A producer credential (API key or operator token) and a user token, of one tenant. */
  producer: string
  user: string
  recipient: string
  /** Distinguishes the titles of one run from another's. */
  label: string
}

/** One HTTP request as an outcome; no answer at all (refused, reset) is status 0. */
async function request(kind: string, url: string, init: RequestInit) {
  try {
    const res = await fetch(url, init)
    return {
      kind,
      status: res.status,
      body: await res.text(),
      headers: Object.fromEntries(res.headers),
    }
  } catch (err) {
    return { kind, status: 0, body: String((err as Error).cause ?? err), headers: {} }
  }
}

/**
 * A mixed inbox load: half sends (each with a unique title), a quarter lists, a quarter deletes of
 * notifications already acknowledged; every acknowledgement is written into `ledger`.
 */
export function inboxTraffic(
  t: Traffic,
  ledger: Ledger,
  kinds = ['send', 'list', 'send', 'delete'],
): Call {
  const deletable: number[] = []
  const user = { authorization: `Bearer ${t.user}` }
  return async (w, n): Promise<Omit<Outcome, 'startedAt' | 'endedAt'>> => {
    const kind = kinds[(w + n) % kinds.length]
    const id = kind === 'delete' ? deletable.shift() : undefined
    if (kind === 'send' || (kind === 'delete' && id === undefined)) {
      const title = `${t.label}-w${w}-n${n}`
      const o = await request('send', `${t.url}/v1/notifications`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.producer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ to: { users: [t.recipient] }, type: 'load', title }),
      })
      const made = o.status === 201 ? JSON.parse(o.body).notifications[0]?.id : undefined
      if (typeof made === 'number') {
        ledger.sent.set(made, title)
        deletable.push(made)
      } else ledger.unacknowledged.set(title, o.status)
      return o
    }
    if (kind === 'delete' && id !== undefined) {
      ledger.deleting.add(id)
      const o = await request('delete', `${t.url}/v1/me/notifications/${id}`, {
        method: 'DELETE',
        headers: user,
      })
      if (o.status === 204) {
        ledger.deleting.delete(id)
        ledger.deleted.add(id)
      }
      return o
    }
    return request('list', `${t.url}/v1/me/notifications?limit=20`, { headers: user })
  }
}

/**
 * After a restart: acknowledged sends found (or gone because deleted), and any that are not. A
 * send whose delete was in flight at the crash may be either, so it is not counted.
 */
export async function audit(t: Traffic, ledger: Ledger) {
  const lost: number[] = []
  const resurrected: number[] = []
  let found = 0
  const ids = [...ledger.sent.keys()]
  for (let i = 0; i < ids.length; i += 10) {
    await Promise.all(
      ids.slice(i, i + 10).map(async (id) => {
        const res = await fetch(`${t.url}/v1/me/notifications/${id}`, {
          headers: { authorization: `Bearer ${t.user}` },
        })
        const body = (await res.json()) as { title?: string }
        if (ledger.deleting.has(id)) return
        if (ledger.deleted.has(id)) {
          if (res.status !== 404) resurrected.push(id)
        } else if (res.status === 200 && body.title === ledger.sent.get(id)) found++
        else lost.push(id)
      }),
    )
  }
  const { sent, deleted, deleting } = ledger
  return {
    acknowledged: sent.size - deleted.size - deleting.size,
    found,
    lost,
    deleted: deleted.size,
    /** Acknowledged sends whose delete was in flight at the crash: either outcome is right. */
    undecided: deleting.size,
    resurrected,
  }
}
