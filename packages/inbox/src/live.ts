import type { Counts, HeraldClient, Notification, Subscription } from '@herald/client'
import type { Feed } from './feed.ts'

/** The badge: the unread count, and whether it passed the cap (shown as "99+"). */
export interface Badge {
  unread: number
  more: boolean
}

export const BADGE_CAP = 99

/** A change naming more notifications than this reloads the list instead of reading each. */
const READ_ONE_BY_ONE = 20

/** The badge from counts, as the client gives them (`GET /v1/me/counts?cap=99`, or the stream's). */
export function badgeOf(c: Counts): Badge {
  const more = c.capped.unread === true || c.unread > BADGE_CAP
  return { unread: Math.min(c.unread, BADGE_CAP), more }
}

export interface LiveView {
  badge(b: Badge): void
  /** A new notification arrived (already placed in the feed). */
  arrived(n: Notification): void
  status(s: 'connecting' | 'live' | 'polling' | 'offline'): void
  /** The shown tab should be read again (a reset, a change too broad to follow, a reconnect). */
  refresh(): void
}

const notFound = (err: unknown) => (err as { status?: unknown } | null)?.status === 404

/**
 * Follows the user's stream: new notifications go into the feed and are announced, counts move
 * the badge, changes made elsewhere (another tab, another device) are read and placed, and a
 * reset or a reconnect after a drop reloads what is shown.
 */
export function followLive(client: HeraldClient, feed: Feed, view: LiveView): Subscription {
  let wasLive = false
  let dropped = false
  async function reread(ids: number[]) {
    await Promise.all(
      ids.map(async (id) => {
        try {
          feed.put(await client.notifications.get(id))
        } catch (err) {
          if (notFound(err)) feed.remove(id)
        }
      }),
    )
  }
  return client.subscribe({
    notification(n) {
      feed.put(n)
      view.arrived(n)
    },
    counts(c) {
      view.badge(badgeOf(c))
    },
    changed(e) {
      if (e.type === 'notifications.deleted' && e.ids) {
        for (const id of e.ids) feed.remove(id)
      } else if (e.ids && e.ids.length <= READ_ONE_BY_ONE) {
        void reread(e.ids)
      } else {
        feed.invalidate()
        view.refresh()
      }
    },
    reset() {
      feed.invalidate()
      view.refresh()
    },
    status(s) {
      view.status(s)
      if (s !== 'live') {
        // A reconnect after being live, or any fall-back, means events may have been missed.
        if (wasLive || s !== 'connecting') dropped = true
        return
      }
      wasLive = true
      // Back after a drop: whatever changed meanwhile (read elsewhere, say) is read again.
      if (dropped) {
        dropped = false
        feed.invalidate()
        view.refresh()
      }
    },
  })
}
