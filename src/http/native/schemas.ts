import { type Static, Type as T } from 'typebox'

export const Id = T.String({ minLength: 1, maxLength: 256, pattern: '^[^\\s/]+$' })
const IdLike = T.Union([Id, T.Integer()], { description: 'A string, or an integer sent as one' })
const Text = (maxLength: number) => T.String({ maxLength })
// One schema with a type list, not a union: with type coercion on, ajv would turn null into '' while
// trying the string branch of a union; with a list it coerces only when no listed type matches.
const Nullable = <S extends ReturnType<typeof T.String>>(s: S) =>
  T.Unsafe<string | null>({ ...s, type: ['string', 'null'] })
const DateTime = T.String({ format: 'date-time' })

// A schema with a `title` is a named component of the OpenAPI document (see http/openapi.ts):
// generators make one type of that name. One title, one schema.

export const ErrorBody = T.Object(
  {
    error: T.Object({
      code: T.String({
        description:
          'VALIDATION, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT, RATE_LIMITED, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, UNAVAILABLE or INTERNAL; never renamed',
      }),
      message: T.String({ description: 'What went wrong, for a person' }),
      details: T.Optional(
        T.Record(T.String(), T.Unknown(), {
          description:
            'For VALIDATION, `field`, `reason` and `errors` (every failing field); for RATE_LIMITED and UNAVAILABLE, `retryAfter` (seconds)',
        }),
      ),
      requestId: T.String({ description: 'Quote it when reporting a problem' }),
    }),
  },
  { $id: 'Error', description: 'Every error answer of the native API' },
)

const ERROR_MEANING = {
  400: 'VALIDATION: the request is not valid; `details.errors` lists every failing field',
  401: 'UNAUTHENTICATED: no valid credential (missing, expired, or of a kind this API does not take)',
  403: 'FORBIDDEN: a valid credential that may not do this (a server API key on an inbox route, or a user token on a producer route)',
  404: "NOT_FOUND: no such resource (another user's or tenant's is answered the same way)",
  409: 'CONFLICT: this Idempotency-Key was used with another body',
  413: 'PAYLOAD_TOO_LARGE: the body is larger than the server takes (HERALD_BODY_LIMIT)',
  415: 'UNSUPPORTED_MEDIA_TYPE: the body is not JSON',
  429: 'RATE_LIMITED: too many requests; retry after `Retry-After` seconds',
  503: 'UNAVAILABLE: the store is unreachable, or the server is shutting down; retry after `Retry-After` seconds',
} as const
type ErrorStatus = keyof typeof ERROR_MEANING

const RETRY_AFTER = {
  'retry-after': { type: 'integer', description: 'Seconds to wait before retrying' },
}

/** Error answers of a route, each described and typed as `Error`. */
export const errorAnswers = (...statuses: ErrorStatus[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        $ref: 'Error#',
        description: ERROR_MEANING[status],
        ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}),
      },
    ]),
  ) as Partial<Record<ErrorStatus, { $ref: 'Error#' }>>

/** What every route may answer: a bad request, no or a wrong credential, a limit, an outage. */
export const COMMON_ERRORS = [400, 401, 403, 429, 503] as const
/** What a route with a JSON body may answer besides. */
export const BODY_ERRORS = [413, 415] as const

const RefIn = T.Object(
  {
    id: IdLike,
    type: T.Optional(Text(256)),
    title: T.Optional(Text(1000)),
    key: T.Optional(Text(256)),
    label: T.Optional(Text(256)),
  },
  {
    additionalProperties: false,
    title: 'ReferenceInput',
    description: 'Something the notification is about (a project, a target, a parent, a root)',
  },
)

const ActorIn = T.Object(
  {
    id: IdLike,
    username: T.Optional(Text(256)),
    displayName: T.Optional(Text(256)),
    firstName: T.Optional(Text(256)),
    lastName: T.Optional(Text(256)),
    avatarUrl: T.Optional(Text(2048)),
  },
  {
    additionalProperties: false,
    title: 'ActorInput',
    description: 'Who did what the notification tells (a snapshot: later changes do not follow)',
  },
)

const ActionStyle = T.Union([T.Literal('primary'), T.Literal('secondary')], {
  description: 'How prominent the button is; at most one action is primary',
})

const ActionIn = T.Object(
  {
    label: T.String({ minLength: 1, maxLength: 64, description: "The button's text" }),
    url: T.String({
      minLength: 1,
      maxLength: 2048,
      description: 'Where the button leads: an absolute http or https URL',
    }),
    style: T.Optional(ActionStyle),
  },
  {
    additionalProperties: false,
    title: 'ActionInput',
    description: 'A button on the notification (style defaults to secondary)',
  },
)

const StateIn = T.Optional(
  T.Union([T.Boolean(), DateTime], { description: 'true (at send time) or a time' }),
)

export const SendBody = T.Object(
  {
    to: T.Object(
      {
        users: T.Optional(T.Array(IdLike, { minItems: 1, maxItems: 50_000 })),
        topic: T.Optional(Id),
        tenant: T.Optional(T.Literal(true)),
      },
      {
        additionalProperties: false,
        title: 'Audience',
        description: 'Exactly one of users, topic, tenant',
      },
    ),
    type: T.String({ minLength: 1, maxLength: 128 }),
    title: T.String({ minLength: 1, maxLength: 2000 }),
    body: T.Optional(Text(20_000)),
    link: T.Optional(Nullable(Text(2048))),
    source: T.Optional(Nullable(Text(256))),
    actor: T.Optional(ActorIn),
    project: T.Optional(RefIn),
    target: T.Optional(RefIn),
    parent: T.Optional(RefIn),
    root: T.Optional(RefIn),
    data: T.Optional(T.Union([T.Record(T.String(), T.Unknown()), T.Null()])),
    actions: T.Optional(
      T.Array(ActionIn, {
        maxItems: 2,
        description: 'Up to two buttons, at most one primary; the inbox shows them on the row',
      }),
    ),
    important: T.Optional(T.Boolean()),
    mention: T.Optional(T.Boolean()),
    automated: T.Optional(T.Boolean()),
    createdAt: T.Optional(DateTime),
    read: StateIn,
    seen: StateIn,
    dismissed: StateIn,
    snoozedUntil: T.Optional(Nullable(DateTime)),
    expiresAt: T.Optional(Nullable(DateTime)),
    groupKey: T.Optional(Nullable(T.String({ minLength: 1, maxLength: 256 }))),
    lastActionAt: T.Optional(Nullable(DateTime)),
    keepLatest: T.Optional(T.Integer({ minimum: 1, maximum: 100_000 })),
    sendAt: T.Optional(
      T.String({
        format: 'date-time',
        description:
          'Deliver at this time (RFC 3339, with a zone) instead of now: stored and answered 202 with the scheduled send. A time not after now sends at once; at most HERALD_SCHEDULE_HORIZON_MS (365 days) ahead',
      }),
    ),
    delaySeconds: T.Optional(
      T.Integer({
        minimum: 0,
        maximum: 3650 * 86_400,
        description: 'Or: deliver this many seconds from now (0 sends at once); not with sendAt',
      }),
    ),
    critical: T.Optional(
      T.Boolean({
        description:
          'Reaches every recipient whatever their preferences (security notices, legal changes); otherwise a recipient who turned the type (or its category) off is skipped',
      }),
    ),
  },
  { additionalProperties: false, title: 'SendRequest', description: 'A notification to send' },
)
export type SendBody = Static<typeof SendBody>

export const SendResponse = T.Object(
  {
    messageId: T.Integer(),
    recipients: T.Integer({
      description: 'How many users received it (0: nobody, and `warning` says why)',
    }),
    skipped: T.Integer({
      description:
        'How many users the audience named were skipped because their preferences turn this type off (always 0 for a critical send)',
    }),
    warning: T.Optional(
      T.String({
        description:
          'Present when the send reached nobody: an empty topic, an empty tenant, or every recipient muted',
      }),
    ),
    replayed: T.Boolean({
      description: 'True when this answers a retry with the same Idempotency-Key',
    }),
    broadcast: T.Boolean({
      description:
        "True when the send was stored once as a broadcast (a topic or the whole tenant with at least HERALD_BROADCAST_MIN members, no groupKey, no keepLatest): `recipients` is then the audience's size when sent, `skipped` 0, and each member's inbox gets it on their next read, with their preferences applied then; members who joined after the send do not",
    }),
    notifications: T.Union(
      [
        T.Array(
          T.Object(
            { recipientId: T.String(), id: T.Integer(), uuid: T.String() },
            { title: 'SentNotification', description: "One recipient's new notification" },
          ),
        ),
        T.Null(),
      ],
      {
        description:
          "Each recipient's notification when the send reached at most 100 users; null past that (a topic or tenant send often does), where listing them would cost more than the send: each recipient lists their own inbox, and their streams tell them",
      },
    ),
  },
  { title: 'SendResponse', description: 'What a send created' },
)

const RefOut = T.Union([
  T.Object(
    {
      id: T.String(),
      type: T.Union([T.String(), T.Null()]),
      title: T.Union([T.String(), T.Null()]),
      key: T.Union([T.String(), T.Null()]),
      label: T.Union([T.String(), T.Null()]),
    },
    { title: 'Reference', description: 'Something the notification is about' },
  ),
  T.Null(),
])
const MaybeTime = T.Union([T.String({ format: 'date-time' }), T.Null()])
const MaybeText = T.Union([T.String(), T.Null()])

export const NotificationOut = T.Object(
  {
    id: T.Integer({ description: 'Its numeric id: path parameters take it, or the UUID' }),
    uuid: T.String({ format: 'uuid' }),
    type: T.String(),
    title: T.String(),
    body: T.String(),
    link: MaybeText,
    source: MaybeText,
    actor: T.Union([
      T.Object(
        {
          id: T.String(),
          username: MaybeText,
          displayName: MaybeText,
          firstName: MaybeText,
          lastName: MaybeText,
          avatarUrl: MaybeText,
        },
        { title: 'Actor', description: 'Who did what the notification tells' },
      ),
      T.Null(),
    ]),
    project: RefOut,
    target: RefOut,
    parent: RefOut,
    root: RefOut,
    data: T.Union([T.Record(T.String(), T.Unknown()), T.Null()]),
    actions: T.Array(
      T.Object(
        { label: T.String(), url: T.String(), style: ActionStyle },
        { title: 'Action', description: 'A button on the notification: a link to follow' },
      ),
      { description: 'Its buttons, in order (none: empty)' },
    ),
    important: T.Boolean(),
    mention: T.Boolean(),
    automated: T.Boolean(),
    read: T.Boolean(),
    seen: T.Boolean(),
    dismissed: T.Boolean(),
    createdAt: T.String({ format: 'date-time' }),
    readAt: MaybeTime,
    seenAt: MaybeTime,
    dismissedAt: MaybeTime,
    snoozedUntil: MaybeTime,
    expiresAt: MaybeTime,
    groupKey: MaybeText,
    activityCount: T.Integer({ description: 'Activities folded into it by its group key' }),
    lastActionAt: MaybeTime,
  },
  { title: 'Notification', description: 'A notification as its recipient sees it' },
)

export const NotificationPage = T.Object(
  {
    items: T.Array(NotificationOut),
    nextCursor: T.Union([T.String(), T.Null()], {
      description: 'Pass it as `cursor` for the next page; null on the last page',
    }),
  },
  { title: 'NotificationPage', description: 'A page of notifications, newest first by default' },
)

const Tri = T.Union([T.Literal('exclude'), T.Literal('include'), T.Literal('only')])
const BoolQ = T.Boolean()

/** List filters as query parameters (`type` may be a comma list). */
export const FilterQuery = {
  type: T.Optional(
    T.String({ maxLength: 2000, description: 'Type key, or a comma-separated list' }),
  ),
  read: T.Optional(BoolQ),
  seen: T.Optional(BoolQ),
  dismissed: T.Optional(Tri),
  snoozed: T.Optional(Tri),
  actorId: T.Optional(Id),
  actorUsername: T.Optional(
    T.String({ minLength: 1, maxLength: 256, description: 'Prefix, any case' }),
  ),
  projectId: T.Optional(Id),
  targetId: T.Optional(Id),
  parentId: T.Optional(Id),
  groupKey: T.Optional(Id),
  createdAfter: T.Optional(DateTime),
  createdBefore: T.Optional(DateTime),
  important: T.Optional(BoolQ),
  mention: T.Optional(BoolQ),
  data: T.Optional(
    T.String({ maxLength: 4000, description: 'JSON object of top-level custom data to match' }),
  ),
}

export const ListQuery = T.Object(
  {
    ...FilterQuery,
    sort: T.Optional(T.Union([T.Literal('createdAt'), T.Literal('-createdAt')])),
    cursor: T.Optional(T.String({ maxLength: 512 })),
    limit: T.Optional(T.Integer({ minimum: 1, maximum: 100, default: 20 })),
  },
  { additionalProperties: false },
)
export type ListQuery = Static<typeof ListQuery>

/** The same filters in a JSON body (bulk changes, counts). */
export const FilterBody = T.Object(
  {
    types: T.Optional(T.Array(T.String({ minLength: 1, maxLength: 128 }), { maxItems: 100 })),
    read: T.Optional(T.Boolean()),
    seen: T.Optional(T.Boolean()),
    dismissed: T.Optional(Tri),
    snoozed: T.Optional(Tri),
    actorId: T.Optional(Id),
    actorUsername: T.Optional(T.String({ minLength: 1, maxLength: 256 })),
    projectId: T.Optional(Id),
    targetId: T.Optional(Id),
    parentId: T.Optional(Id),
    groupKey: T.Optional(Id),
    createdAfter: T.Optional(DateTime),
    createdBefore: T.Optional(DateTime),
    important: T.Optional(T.Boolean()),
    mention: T.Optional(T.Boolean()),
    data: T.Optional(
      T.Record(T.String(), T.Union([T.String(), T.Number(), T.Boolean(), T.Null()])),
    ),
    upToId: T.Optional(
      T.Integer({ minimum: 1, description: 'Only ids up to this one (a watermark)' }),
    ),
  },
  {
    additionalProperties: false,
    title: 'NotificationFilter',
    description: 'Which notifications: every field given must match ({} is all)',
  },
)
export type FilterBody = Static<typeof FilterBody>

/**
 * A path's notification: `Notification.id` or `Notification.uuid`. A type list, not a union: a
 * path parameter arrives as a string and stays one (digits are read by the handler), and an id
 * that is neither is a 404, as a missing one is.
 */
export const NotificationId = T.Unsafe<number | string>({
  type: ['integer', 'string'],
  maxLength: 64,
  description: 'The numeric id (`Notification.id`) or the UUID (`Notification.uuid`)',
})

export const NotificationIdParam = T.Object({ id: NotificationId })

export const UserBody = T.Object(
  {
    username: T.Optional(Nullable(Text(256))),
    displayName: T.Optional(Nullable(Text(256))),
    firstName: T.Optional(Nullable(Text(256))),
    lastName: T.Optional(Nullable(Text(256))),
    avatarUrl: T.Optional(Nullable(Text(2048))),
    email: T.Optional(Nullable(Text(320))),
    admin: T.Optional(T.Boolean()),
    disabled: T.Optional(T.Boolean()),
    permissions: T.Optional(T.Array(T.String({ maxLength: 128 }), { maxItems: 200 })),
  },
  {
    additionalProperties: false,
    title: 'UserInput',
    description: "A user's fields: those given are set, the others kept",
  },
)
export type UserBody = Static<typeof UserBody>

export const UserOut = T.Object(
  {
    id: T.String(),
    username: MaybeText,
    displayName: MaybeText,
    firstName: MaybeText,
    lastName: MaybeText,
    avatarUrl: MaybeText,
    email: MaybeText,
    admin: T.Boolean(),
    disabled: T.Boolean(),
    permissions: T.Array(T.String()),
    createdAt: T.String({ format: 'date-time' }),
    updatedAt: T.String({ format: 'date-time' }),
  },
  { title: 'User', description: "A user of the tenant, as the tenant's backend set it" },
)

/** A user in several tenants names the one a request acts in (see the userToken scheme). */
export const tenantHeader = {
  'x-herald-tenant': T.Optional(
    T.String({
      maxLength: 200,
      description:
        "The tenant this request acts in, one of the user token's `tenants`; the token's own `tenant` when absent. Another tenant is 403",
    }),
  ),
}
export const TenantHeaders = T.Object(tenantHeader)
export const SCHEDULE_STATUSES = ['scheduled', 'delivered', 'cancelled', 'failed'] as const

export const ScheduledOut = T.Object(
  {
    id: T.String({ format: 'uuid' }),
    status: T.Enum(SCHEDULE_STATUSES, {
      type: 'string',
      description: 'scheduled (waiting), delivered, cancelled, or failed (see `error`)',
    }),
    sendAt: T.String({ format: 'date-time' }),
    createdAt: T.String({ format: 'date-time' }),
    finishedAt: T.Union([T.String({ format: 'date-time' }), T.Null()], {
      description: 'When it was delivered, cancelled or failed',
    }),
    idempotencyKey: T.Union([T.String(), T.Null()]),
    type: T.String(),
    title: T.String(),
    audience: T.Object(
      {
        kind: T.Enum(['users', 'topic', 'tenant'], { type: 'string' }),
        users: T.Optional(T.Integer({ description: 'How many users the send names' })),
        topic: T.Optional(T.String()),
      },
      {
        title: 'ScheduledAudience',
        description: "Whom it goes to (a topic's subscribers are those of the delivery time)",
      },
    ),
    result: T.Union(
      [
        T.Object(
          { messageId: T.Integer(), recipients: T.Integer() },
          { title: 'ScheduledResult', description: 'What the delivery created' },
        ),
        T.Null(),
      ],
      { description: 'Once delivered' },
    ),
    error: T.Union(
      [
        T.Object(
          { code: T.String(), message: T.String() },
          { title: 'ScheduledError', description: 'Why the delivery failed' },
        ),
        T.Null(),
      ],
      { description: 'Once failed' },
    ),
  },
  { title: 'ScheduledSend', description: 'A send stored to be delivered later' },
)

export const ScheduleResponse = T.Object(
  {
    ...ScheduledOut.properties,
    replayed: T.Boolean({
      description: 'True when this answers a retry with the same Idempotency-Key',
    }),
  },
  { title: 'ScheduleResponse', description: 'A send scheduled for later' },
)

export const ScheduledPage = T.Object(
  {
    items: T.Array(ScheduledOut),
    nextCursor: T.Union([T.String(), T.Null()], {
      description: 'Pass it as `cursor` for the next page; null on the last page',
    }),
  },
  { title: 'ScheduledPage', description: 'Scheduled sends in `sendAt` order' },
)
