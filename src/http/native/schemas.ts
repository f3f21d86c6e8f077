import { type Static, Type as T } from 'typebox'

export const Id = T.String({ minLength: 1, maxLength: 256, pattern: '^[^\\s/]+$' })
const IdLike = T.Union([Id, T.Integer()], { description: 'A string, or an integer sent as one' })
const Text = (maxLength: number) => T.String({ maxLength })
// One schema with a type list, not a union: with type coercion on, ajv would turn null into '' while
// trying the string branch of a union; with a list it coerces only when no listed type matches.
const Nullable = <S extends ReturnType<typeof T.String>>(s: S) =>
  T.Unsafe<string | null>({ ...s, type: ['string', 'null'] })
const DateTime = T.String({ format: 'date-time' })

export const ErrorBody = T.Object(
  {
    error: T.Object({
      code: T.String(),
      message: T.String(),
      details: T.Optional(T.Record(T.String(), T.Unknown())),
      requestId: T.String(),
    }),
  },
  { $id: 'Error' },
)

const RefIn = T.Object(
  {
    id: IdLike,
    type: T.Optional(Text(256)),
    title: T.Optional(Text(1000)),
    key: T.Optional(Text(256)),
    label: T.Optional(Text(256)),
  },
  { additionalProperties: false },
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
  { additionalProperties: false },
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
      { additionalProperties: false, description: 'Exactly one of users, topic, tenant' },
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
  },
  { additionalProperties: false },
)
export type SendBody = Static<typeof SendBody>

export const SendResponse = T.Object({
  messageId: T.Integer(),
  recipients: T.Integer(),
  replayed: T.Boolean(),
  notifications: T.Union([
    T.Array(T.Object({ recipientId: T.String(), id: T.Integer(), uuid: T.String() })),
    T.Null(),
  ]),
})

const RefOut = T.Union([
  T.Object({
    id: T.String(),
    type: T.Union([T.String(), T.Null()]),
    title: T.Union([T.String(), T.Null()]),
    key: T.Union([T.String(), T.Null()]),
    label: T.Union([T.String(), T.Null()]),
  }),
  T.Null(),
])
const MaybeTime = T.Union([T.String(), T.Null()])
const MaybeText = T.Union([T.String(), T.Null()])

export const NotificationOut = T.Object(
  {
    id: T.Integer(),
    uuid: T.String(),
    type: T.String(),
    title: T.String(),
    body: T.String(),
    link: MaybeText,
    source: MaybeText,
    actor: T.Union([
      T.Object({
        id: T.String(),
        username: MaybeText,
        displayName: MaybeText,
        firstName: MaybeText,
        lastName: MaybeText,
        avatarUrl: MaybeText,
      }),
      T.Null(),
    ]),
    project: RefOut,
    target: RefOut,
    parent: RefOut,
    root: RefOut,
    data: T.Union([T.Record(T.String(), T.Unknown()), T.Null()]),
    important: T.Boolean(),
    mention: T.Boolean(),
    automated: T.Boolean(),
    read: T.Boolean(),
    seen: T.Boolean(),
    dismissed: T.Boolean(),
    createdAt: T.String(),
    readAt: MaybeTime,
    seenAt: MaybeTime,
    dismissedAt: MaybeTime,
    snoozedUntil: MaybeTime,
    expiresAt: MaybeTime,
    groupKey: MaybeText,
    activityCount: T.Integer(),
    lastActionAt: MaybeTime,
  },
  { title: 'Notification' },
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
  { additionalProperties: false },
)
export type FilterBody = Static<typeof FilterBody>

export const NotificationIdParam = T.Object({
  id: T.String({ maxLength: 64, description: 'Numeric id or UUID' }),
})

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
  { additionalProperties: false },
)
export type UserBody = Static<typeof UserBody>

export const UserOut = T.Object({
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
  createdAt: T.String(),
  updatedAt: T.String(),
})
