import assert from 'node:assert/strict'
import { test } from 'node:test'
import SerializerSelector from '@fastify/fast-json-stringify-compiler'
import { Type as T } from 'typebox'
import { NotificationPage } from '../../src/http/native/schemas.ts'
import { nullableUnions } from '../../src/http/nullable-unions.ts'

const serializer = (schema: unknown) =>
  SerializerSelector()()({ schema, method: 'GET', url: '/', httpStatus: '200' } as never) as (
    doc: unknown,
  ) => string

const at = '2026-12-07T12:00:00.000Z'

/** A rendered notification with every nullable field either null or set, by `full`. */
const item = (id: number, full: boolean) => ({
  id,
  uuid: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  type: 'comment',
  title: 'A "quoted" title\n',
  body: 'Body',
  link: full ? 'https://app.example/x' : null,
  source: full ? 'ci' : null,
  actor: full
    ? {
        id: 'u1',
        username: 'ada',
        displayName: null,
        firstName: 'Ada',
        lastName: null,
        avatarUrl: null,
      }
    : null,
  project: full ? { id: '42', type: 'project', title: 'P', key: 'K', label: null } : null,
  target: null,
  parent: null,
  root: full ? { id: '1', type: null, title: null, key: null, label: 'L' } : null,
  data: full ? { priority: 'high', n: 2, nested: { a: [1, 2] } } : null,
  actions: full ? [{ label: 'Open', url: 'https://app.example/x', style: 'primary' }] : [],
  important: full,
  mention: false,
  automated: false,
  read: full,
  seen: full,
  dismissed: false,
  createdAt: at,
  readAt: full ? at : null,
  seenAt: full ? at : null,
  dismissedAt: null,
  snoozedUntil: full ? at : null,
  expiresAt: full ? at : null,
  groupKey: full ? 'g' : null,
  activityCount: 3,
  lastActionAt: full ? at : null,
})

test('an "X or null" union becomes X, nullable; other unions and the input stay as they are', () => {
  const schema = T.Object({
    when: T.Union([T.String({ format: 'date-time' }), T.Null()], { description: 'd' }),
    who: T.Union([T.Null(), T.Object({ id: T.String() })]),
    either: T.Union([T.String(), T.Integer()]),
    three: T.Union([T.String(), T.Integer(), T.Null()]),
    list: T.Array(T.Union([T.Integer(), T.Null()])),
  })
  const before = JSON.stringify(schema)
  const out = nullableUnions(schema) as { properties: Record<string, Record<string, unknown>> }
  assert.equal(JSON.stringify(schema), before)
  const p = out.properties
  assert.deepEqual(
    [
      p.when?.type,
      p.when?.format,
      p.when?.nullable,
      p.when?.description,
      'anyOf' in (p.when ?? {}),
    ],
    ['string', 'date-time', true, 'd', false],
  )
  assert.deepEqual([p.who?.type, p.who?.nullable], ['object', true])
  assert.equal((p.either?.anyOf as unknown[] | undefined)?.length, 2)
  assert.equal((p.three?.anyOf as unknown[] | undefined)?.length, 3)
  assert.deepEqual(p.list?.items, { type: 'integer', nullable: true })
})

test('a native page serialises to the same bytes either way, nulls and values alike', () => {
  const page = { items: [item(1, true), item(2, false), item(3, true)], nextCursor: null }
  const asWritten = serializer(NotificationPage)(page)
  const rewritten = serializer(nullableUnions(NotificationPage))(page)
  assert.equal(rewritten, asWritten)
  assert.deepEqual(JSON.parse(rewritten), page)
  assert.doesNotMatch(JSON.stringify(nullableUnions(NotificationPage)), /"type":"null"/)
})
