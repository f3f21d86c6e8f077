import type { Content, Notification } from './notification.ts'
import type { StateChange } from './store.ts'
import type { WebhookEventType, WebhookSink } from './webhooks.ts'

/**
 * Ids one event names at most. A bulk change (mark all read of 100,000) is one event with the
 * count of what changed and at most this many ids, never one event per notification.
 */
export const WEBHOOK_IDS_MAX = 100

/** The webhook event of each state change that has one; the others fire none. */
const CHANGE_EVENTS: Partial<Record<StateChange['action'], WebhookEventType>> = {
  read: 'notification.read',
  unread: 'notification.unread',
  dismiss: 'notification.dismissed',
}

/** What a webhook says of one notification. */
export const notificationSummary = (n: Notification) => ({
  id: n.id,
  uuid: n.uuid,
  recipientId: n.recipientId,
  type: n.type,
  title: n.title,
  body: n.body,
  link: n.link,
  data: n.data,
  groupKey: n.groupKey,
  createdAt: n.createdAt.toISOString(),
  readAt: n.readAt?.toISOString() ?? null,
  archivedAt: n.archivedAt?.toISOString() ?? null,
})

type Ids = Array<number | string>

/**
 * Reports inbox changes and sends to the webhook sink, in the payload shapes the README
 * documents. Without a sink (a CLI command, a core in a unit test) it does nothing.
 */
export function webhookReporter(sink: WebhookSink | undefined, clock: () => Date) {
  const emit = (tenantId: string, type: WebhookEventType, data: Record<string, unknown>) =>
    sink?.emit({ tenantId, type, at: clock(), data })

  const many = (ids: Ids | null, count: number, countCapped = false) => ({
    ids: ids === null ? null : ids.slice(0, WEBHOOK_IDS_MAX),
    idsTruncated: ids !== null && ids.length > WEBHOOK_IDS_MAX,
    count,
    countCapped,
  })

  return {
    /** One notification changed (or was deleted): the event carries it. */
    one(tenantId: string, kind: StateChange['action'] | 'delete', n: Notification) {
      const type = kind === 'delete' ? 'notification.deleted' : CHANGE_EVENTS[kind]
      if (!type || !sink) return
      emit(tenantId, type, {
        userId: n.recipientId,
        bulk: false,
        ...many([n.id], 1),
        notification: notificationSummary(n),
      })
    },
    /**
     * A bulk change of `count` notifications of one user (more, when `countCapped`: a mark-all
     * counts only so far): the ids named (up to WEBHOOK_IDS_MAX), or null when a filter chose them.
     */
    bulk(
      tenantId: string,
      userId: string,
      kind: StateChange['action'] | 'delete',
      ids: Ids | null,
      count: number,
      countCapped = false,
    ) {
      const type = kind === 'delete' ? 'notification.deleted' : CHANGE_EVENTS[kind]
      if (!type || !sink || count === 0) return
      emit(tenantId, type, { userId, bulk: true, ...many(ids, count, countCapped) })
    },
    /** A send committed: each created notification (when named), then the send itself. */
    sent(
      tenantId: string,
      messageId: number,
      content: Content,
      createdAt: Date,
      recipients: number,
      made: Array<{ recipientId: string; id: number; uuid: string }> | null,
    ) {
      if (!sink) return
      for (const n of made ?? []) {
        emit(tenantId, 'notification.created', {
          userId: n.recipientId,
          notification: {
            id: n.id,
            uuid: n.uuid,
            recipientId: n.recipientId,
            type: content.type,
            title: content.title,
            body: content.body,
            link: content.link,
            data: content.data,
            createdAt: createdAt.toISOString(),
          },
        })
      }
      emit(tenantId, 'send.completed', {
        messageId,
        type: content.type,
        title: content.title,
        recipients,
        notifications: made?.slice(0, WEBHOOK_IDS_MAX) ?? null,
      })
    },
  }
}

export type WebhookReporter = ReturnType<typeof webhookReporter>
