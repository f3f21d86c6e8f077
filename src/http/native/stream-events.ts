import { Type as T, type TSchema } from 'typebox'
import { NotificationOut } from './schemas.ts'

/**
 * The events of `GET /v1/me/stream`, as the OpenAPI document describes them: each one frame
 * (`id:` where it has one, `event:`, `data:` a JSON object). The stream writes them itself.
 */

const EventNumber = T.String({
  pattern: '^[0-9]+$',
  description:
    'The event number: EventSource sends the last one back as `Last-Event-ID` when it reconnects',
})

const event = <D extends TSchema>(
  title: string,
  name: string,
  data: D,
  id: 'always' | 'sometimes' | 'never',
  description: string,
) =>
  T.Object(
    {
      event: T.Literal(name),
      ...(id === 'always'
        ? { id: EventNumber }
        : id === 'sometimes'
          ? { id: T.Optional(EventNumber) }
          : {}),
      data,
    },
    { title, description },
  )

const Ids = T.Object({
  ids: T.Union([T.Array(T.Integer()), T.Null()], {
    description: 'The notifications concerned; null for a change by filter (refetch)',
  }),
})

export const StreamEvent = T.Union(
  [
    event(
      'NotificationCreatedEvent',
      'notification.created',
      NotificationOut,
      'always',
      'A new notification, once, in commit order (replayed after a reconnect)',
    ),
    event(
      'CountsEvent',
      'counts',
      T.Object(
        {
          unread: T.Integer({ maximum: 100 }),
          unseen: T.Integer({ maximum: 100 }),
        },
        { description: 'Counted up to 100: 100 means "more than 99"' },
      ),
      'sometimes',
      'The badge counts: first on opening (with the event number to resume from), then after every change',
    ),
    event(
      'NotificationsChangedEvent',
      'notifications.changed',
      Ids,
      'never',
      'Notifications changed state (read, seen, dismissed, snoozed…), here or on another device',
    ),
    event(
      'NotificationsDeletedEvent',
      'notifications.deleted',
      Ids,
      'never',
      'Notifications were deleted',
    ),
    event(
      'ResetEvent',
      'reset',
      T.Object({
        reason: T.Enum(['unknown-event-id', 'too-many-missed'], { type: 'string' }),
      }),
      'always',
      'The reconnect cannot be replayed (an unknown Last-Event-ID, or more missed than HERALD_STREAM_REPLAY_MAX): refetch the list; the stream goes on from now',
    ),
    event(
      'ClosedEvent',
      'closed',
      T.Object({ reason: T.Literal('too-many-streams') }),
      'never',
      'The user opened more streams than an instance keeps (HERALD_STREAM_MAX_PER_USER): this, their oldest, ends; EventSource reconnects after the `retry:` hint',
    ),
  ],
  { title: 'StreamEvent', description: 'One Server-Sent Event of the inbox stream' },
)
