import { Type as T } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { createApiKey } from '../../auth/api-keys.ts'
import type { Core } from '../../core/herald.ts'
import type { SendInput } from '../../core/send.ts'
import { renderUser } from './convert.ts'
import { producerOf } from './index.ts'
import { Id, SendBody, SendResponse, UserBody, UserOut } from './schemas.ts'

const security = [{ apiKey: [] }]
const errors = { 400: { $ref: 'Error#' }, 401: { $ref: 'Error#' }, 403: { $ref: 'Error#' } }
const UserParams = T.Object({ userId: Id })
const TopicParams = T.Object({ topic: Id })
const date = (s: string | null | undefined) =>
  s === undefined ? undefined : s === null ? null : new Date(s)
const state = (v: boolean | string | undefined) => (typeof v === 'string' ? new Date(v) : v)
const ref = <R extends { id: string | number }>(r: R | undefined) =>
  r ? { ...r, id: String(r.id) } : undefined

export function toSendInput(b: SendBody): SendInput {
  return {
    ...b,
    to: { ...b.to, users: b.to.users?.map(String) },
    actor: ref(b.actor),
    project: ref(b.project),
    target: ref(b.target),
    parent: ref(b.parent),
    root: ref(b.root),
    createdAt: date(b.createdAt) ?? undefined,
    read: state(b.read),
    seen: state(b.seen),
    dismissed: state(b.dismissed),
    snoozedUntil: date(b.snoozedUntil),
    expiresAt: date(b.expiresAt),
    lastActionAt: date(b.lastActionAt),
  }
}

/** Producer routes: manage users and topics, and send. Authenticated by a server API key. */
export async function producerRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const { directory, sender } = core

  app.post(
    '/notifications',
    {
      schema: {
        tags: ['producer'],
        summary: 'Send a notification to users, a topic, or the whole tenant',
        security,
        headers: T.Object({
          'idempotency-key': T.Optional(T.String({ minLength: 1, maxLength: 256 })),
        }),
        body: SendBody,
        response: { 201: SendResponse, ...errors, 409: { $ref: 'Error#' } },
      },
    },
    async (req, reply) => {
      const tenant = producerOf(req)
      const key = req.headers['idempotency-key'] as string | undefined
      const out = await sender.send(tenant, toSendInput(req.body as SendBody), key)
      if (out.replayed) reply.header('idempotent-replayed', 'true')
      return reply.code(201).send(out)
    },
  )

  app.post(
    '/api-keys',
    {
      schema: {
        tags: ['producer'],
        summary: "Create another server API key for the caller's tenant (shown once)",
        security,
        // The union with null is what lets a request come with no body at all.
        body: T.Optional(
          T.Union([
            T.Object(
              { name: T.Optional(T.String({ maxLength: 256 })) },
              { additionalProperties: false },
            ),
            T.Null(),
          ]),
        ),
        response: { 201: T.Object({ id: T.String(), key: T.String() }), ...errors },
      },
    },
    async (req, reply) => {
      const name = (req.body as { name?: string } | null | undefined)?.name ?? null
      return reply.code(201).send(await createApiKey(core.store, producerOf(req), name))
    },
  )

  app.put(
    '/users/:userId',
    {
      schema: {
        tags: ['producer'],
        summary: 'Create a user, or update the fields given',
        security,
        params: UserParams,
        body: UserBody,
        response: { 200: UserOut, ...errors },
      },
    },
    async (req) => {
      const { userId } = req.params as { userId: string }
      const user = await directory.upsertUser({
        ...(req.body as UserBody),
        tenantId: producerOf(req),
        id: userId,
      })
      return renderUser(user)
    },
  )

  app.get(
    '/users/:userId',
    {
      schema: {
        tags: ['producer'],
        summary: 'Get a user',
        security,
        params: UserParams,
        response: { 200: UserOut, ...errors, 404: { $ref: 'Error#' } },
      },
    },
    async (req) =>
      renderUser(
        await directory.getUser(producerOf(req), (req.params as { userId: string }).userId),
      ),
  )

  app.delete(
    '/users/:userId',
    {
      schema: {
        tags: ['producer'],
        summary: 'Delete a user and their notifications',
        security,
        params: UserParams,
      },
    },
    async (req, reply) => {
      await directory.deleteUser(producerOf(req), (req.params as { userId: string }).userId)
      return reply.code(204).send()
    },
  )

  app.get(
    '/users',
    {
      schema: {
        tags: ['producer'],
        summary: 'List users by id',
        security,
        querystring: T.Object(
          {
            after: T.Optional(Id),
            limit: T.Optional(T.Integer({ minimum: 1, maximum: 100, default: 50 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: T.Object({ items: T.Array(UserOut), next: T.Union([T.String(), T.Null()]) }),
        },
      },
    },
    async (req) => {
      const q = req.query as { after?: string; limit: number }
      const users = await directory.listUsers(producerOf(req), q.after ?? null, q.limit)
      return {
        items: users.map(renderUser),
        next: users.length === q.limit ? (users.at(-1)?.id ?? null) : null,
      }
    },
  )

  const Subscribers = T.Object({ topic: T.String(), subscribers: T.Array(T.String()) })
  app.put(
    '/topics/:topic/subscribers',
    {
      schema: {
        tags: ['producer'],
        summary: 'Add and remove topic subscribers',
        security,
        params: TopicParams,
        body: T.Object(
          {
            add: T.Optional(T.Array(Id, { maxItems: 10_000 })),
            remove: T.Optional(T.Array(Id, { maxItems: 10_000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Subscribers, ...errors },
      },
    },
    async (req) => {
      const { topic } = req.params as { topic: string }
      const b = req.body as { add?: string[]; remove?: string[] }
      return {
        topic,
        subscribers: await directory.subscribe(producerOf(req), topic, b.add ?? [], b.remove ?? []),
      }
    },
  )

  app.get(
    '/topics/:topic/subscribers',
    {
      schema: {
        tags: ['producer'],
        summary: "A topic's subscribers",
        security,
        params: TopicParams,
        response: { 200: Subscribers },
      },
    },
    async (req) => {
      const { topic } = req.params as { topic: string }
      return { topic, subscribers: await directory.subscribers(producerOf(req), topic) }
    },
  )
}
