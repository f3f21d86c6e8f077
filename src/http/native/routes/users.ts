import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type as T } from 'typebox'
import { type SurfaceDeps, tenantOf } from '../../surface.ts'
import { renderUser } from '../convert.ts'
import { BODY_ERRORS, COMMON_ERRORS, errorAnswers, Id, UserBody, UserOut } from '../schemas.ts'

const security = [{ apiKey: [] }]
const tags = ['producer']
const config = { needs: 'server' as const }
const errors = errorAnswers(...COMMON_ERRORS)
const bodyErrors = errorAnswers(...COMMON_ERRORS, ...BODY_ERRORS)
const oneErrors = errorAnswers(...COMMON_ERRORS, 404)
const UserParams = T.Object({ userId: Id })
const TopicParams = T.Object({ topic: Id })
const Subscribers = T.Object(
  { topic: T.String(), subscribers: T.Array(T.String(), { description: 'User ids' }) },
  { title: 'Subscribers', description: "A topic's subscribers" },
)
const UserPage = T.Object(
  {
    items: T.Array(UserOut),
    next: T.Union([T.String(), T.Null()], {
      description: 'Pass it as `after` for the next page; null on the last page',
    }),
  },
  { title: 'UserPage', description: 'Users in id order' },
)

/** Producer routes for the tenant's directory: users and topic subscriptions. */
export const userRoutes: FastifyPluginAsyncTypebox<SurfaceDeps> = async (app, { core }) => {
  const { directory } = core

  app.put(
    '/users/:userId',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'putUser',
        summary: 'Create a user, or update the fields given',
        params: UserParams,
        body: UserBody,
        response: { 200: UserOut, ...bodyErrors },
      },
    },
    async (req) =>
      renderUser(
        await directory.upsertUser({ ...req.body, tenantId: tenantOf(req), id: req.params.userId }),
      ),
  )

  app.get(
    '/users/:userId',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'getUser',
        summary: 'Get a user',
        params: UserParams,
        response: { 200: UserOut, ...oneErrors },
      },
    },
    async (req) => renderUser(await directory.getUser(tenantOf(req), req.params.userId)),
  )

  app.delete(
    '/users/:userId',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'deleteUser',
        summary: 'Delete a user and their notifications',
        params: UserParams,
        response: { 204: T.Null({ description: 'Deleted' }), ...oneErrors },
      },
    },
    async (req, reply) => {
      await directory.deleteUser(tenantOf(req), req.params.userId)
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/users',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'listUsers',
        summary: 'List users by id',
        querystring: T.Object(
          {
            after: T.Optional(Id),
            limit: T.Optional(T.Integer({ minimum: 1, maximum: 100, default: 50 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: UserPage, ...errors },
      },
    },
    async (req) => {
      const limit = req.query.limit ?? 50
      const users = await directory.listUsers(tenantOf(req), req.query.after ?? null, limit)
      return {
        items: users.map(renderUser),
        next: users.length === limit ? (users.at(-1)?.id ?? null) : null,
      }
    },
  )

  app.put(
    '/topics/:topic/subscribers',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'putSubscribers',
        summary: 'Add and remove topic subscribers',
        params: TopicParams,
        body: T.Object(
          {
            add: T.Optional(T.Array(Id, { maxItems: 10_000, description: 'User ids to add' })),
            remove: T.Optional(
              T.Array(Id, { maxItems: 10_000, description: 'User ids to remove' }),
            ),
          },
          {
            additionalProperties: false,
            title: 'SubscriberChange',
            description: 'Users to add to and remove from the topic',
          },
        ),
        response: { 200: Subscribers, ...bodyErrors },
      },
    },
    async (req) => {
      const { topic } = req.params
      const { add = [], remove = [] } = req.body
      return { topic, subscribers: await directory.subscribe(tenantOf(req), topic, add, remove) }
    },
  )

  app.get(
    '/topics/:topic/subscribers',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'getSubscribers',
        summary: "A topic's subscribers",
        params: TopicParams,
        response: { 200: Subscribers, ...errors },
      },
    },
    async (req) => {
      const { topic } = req.params
      return { topic, subscribers: await directory.subscribers(tenantOf(req), topic) }
    },
  )
}
