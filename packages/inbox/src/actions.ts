import type { HeraldClient, Notification } from '@herald/client'
import type { Feed } from './feed.ts'
import { fill, type InboxStrings } from './strings.ts'
import { snoozeUntil } from './time.ts'

/** A short message under the list, with an optional way back. */
export interface Toast {
  text: string
  undo?: () => void
}

export interface ActionDeps {
  client: HeraldClient
  feed: Feed
  strings: () => InboxStrings
  locale: () => string
  /** Moves the badge by this many unread at once; the server's next counts correct it. */
  shiftBadge(delta: number): void
  /** Reads the badge again (after a change the server refused). */
  refreshBadge(): void
  toast(t: Toast | null): void
}

/** Whether a notification counts in the unread badge (dismissed and snoozed ones do not). */
const inBadge = (n: Notification) => !n.read && !n.dismissed && n.snoozedUntil === null

/**
 * The row actions, each shown at once (the row changes and the badge moves) and then confirmed
 * by the server's answer, or undone with a message when the server refuses.
 */
export function createActions(d: ActionDeps) {
  const api = d.client.notifications

  async function change(
    n: Notification,
    shown: Notification,
    call: () => Promise<Notification>,
    done?: Toast,
  ): Promise<boolean> {
    d.feed.put(shown)
    d.shiftBadge(Number(inBadge(shown)) - Number(inBadge(n)))
    try {
      d.feed.put(await call())
      if (done) d.toast(done)
      return true
    } catch {
      d.feed.put(n)
      d.shiftBadge(Number(inBadge(n)) - Number(inBadge(shown)))
      d.toast({ text: d.strings().actionFailed })
      return false
    }
  }

  const actions = {
    read: (n: Notification) => change(n, { ...n, read: true }, () => api.read(n.id)),
    unread: (n: Notification) => change(n, { ...n, read: false }, () => api.unread(n.id)),
    dismiss: (n: Notification) =>
      change(n, { ...n, dismissed: true }, () => api.dismiss(n.id), {
        text: d.strings().dismissed,
        undo: () => void actions.undismiss({ ...n, dismissed: true }),
      }),
    undismiss: (n: Notification) =>
      change(n, { ...n, dismissed: false }, () => api.undismiss(n.id)),
    snooze(n: Notification, choice: 'hour' | 'tomorrow') {
      const until = snoozeUntil(choice, new Date())
      const time = until.toLocaleString(d.locale(), {
        weekday: 'short',
        hour: 'numeric',
        minute: '2-digit',
      })
      return change(n, { ...n, snoozedUntil: until.toISOString() }, () => api.snooze(n.id, until), {
        text: fill(d.strings().snoozed, { time }),
        undo: () =>
          void change({ ...n, snoozedUntil: until.toISOString() }, n, () => api.unsnooze(n.id)),
      })
    },
    async delete(n: Notification): Promise<boolean> {
      d.feed.remove(n.id)
      d.shiftBadge(-Number(inBadge(n)))
      try {
        await api.delete(n.id)
        d.toast({ text: d.strings().deleted })
        return true
      } catch {
        d.feed.put(n)
        d.shiftBadge(Number(inBadge(n)))
        d.toast({ text: d.strings().actionFailed })
        return false
      }
    },
    /** Every notification read, shown read at once; the list is read again once it is done. */
    async markAllRead(shown: Notification[]): Promise<void> {
      for (const n of shown) if (!n.read) d.feed.put({ ...n, read: true })
      d.shiftBadge(Number.NEGATIVE_INFINITY)
      try {
        await api.markAllRead()
      } catch {
        for (const n of shown) d.feed.put(n)
        d.refreshBadge()
        d.toast({ text: d.strings().actionFailed })
      }
    },
  }
  return actions
}

export type Actions = ReturnType<typeof createActions>
