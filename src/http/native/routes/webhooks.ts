import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type as T } from 'typebox'
import { HeraldError } from '../../../core/errors.ts'
import { WEBHOOK_URL_MAX } from '../../../core/webhook-url.ts'
import {
  WEBHOOK_EVENTS,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEventType,
} from '../../../core/webhooks.ts'
import { type SurfaceDeps, tenantOf } from '../../surface.ts'
import { BODY_ERRORS, COMMON_ERRORS, errorAnswers } from '../schemas.ts'

const security = [{ apiKey: [] }]
const tags = ['webhooks']
const config = { needs: 'server' as const }
const time = T.String({ format: 'date-time' })
const maybeTime = T.Union([T.String({ format: 'date-time' }), T.Null()])

const EventName = T.Unsafe<WebhookEventType>({
  type: 'string',
  enum: [...WEBHOOK_EVENTS],
  title: 'WebhookEventType',
  description: 'An event an endpoint can subscribe to',
})
const Events = T.Array(EventName, { minItems: 1, maxItems: 20, description: 'Events to deliver' })
const Url = T.String({
  minLength: 1,
  maxLength: WEBHOOK_URL_MAX,
  description: 'http or https; not this host or a private network unless the server allows it',
})
// A type list, not a union: with coercion on, ajv would turn null into '' trying the string branch.
const Description = T.Unsafe<string | null>({ type: ['string', 'null'], maxLength: 500 })

const Endpoint = T.Object(
  {
    id: T.String(),
    url: T.String(),
    description: Description,
    events: T.Array(EventName),
    enabled: T.Boolean(),
    createdAt: time,
    updatedAt: time,
  },
  { title: 'WebhookEndpoint', description: 'Where, and which events, the tenant receives' },
)
const CreatedEndpoint = T.Object(
  {
    ...Endpoint.properties,
    secret: T.String({
      description:
        'The signing secret (whsec_…): shown this once only. Verify each delivery with it',
    }),
  },
  { title: 'WebhookEndpointCreated', description: 'A new endpoint, with its secret' },
)
const Delivery = T.Object(
  {
    id: T.String({ description: 'The `webhook-id` header: the same on every attempt' }),
    eventType: T.String(),
    status: T.Union([T.Literal('pending'), T.Literal('delivered'), T.Literal('failed')]),
    attempts: T.Integer({ description: 'Attempts so far' }),
    lastStatus: T.Union([T.Integer(), T.Null()], {
      description: "The receiver's HTTP status at the last attempt; null if none answered",
    }),
    lastError: T.Union([T.String(), T.Null()], { description: 'Why the last attempt failed' }),
    lastAttemptAt: maybeTime,
    nextAttemptAt: T.Union([T.String({ format: 'date-time' }), T.Null()], {
      description: 'When it is tried next; null once delivered or failed',
    }),
    deliveredAt: maybeTime,
    createdAt: time,
    payload: T.Unknown({ description: 'The body sent: `{type, timestamp, data}`' }),
  },
  {
    title: 'WebhookDelivery',
    description: 'One event for one endpoint, and how its delivery went',
  },
)
const Params = T.Object({ webhookId: T.String({ minLength: 1, maxLength: 64 }) })
const notFound = errorAnswers(404)

const renderEndpoint = (e: WebhookEndpoint) => ({
  id: e.id,
  url: e.url,
  description: e.description,
  events: e.events,
  enabled: e.enabled,
  createdAt: e.createdAt.toISOString(),
  updatedAt: e.updatedAt.toISOString(),
})
const iso = (d: Date | null) => d?.toISOString() ?? null
const renderDelivery = (d: WebhookDelivery) => ({
  id: d.id,
  eventType: d.eventType,
  status: d.status,
  attempts: d.attempts,
  lastStatus: d.lastStatus,
  lastError: d.lastError,
  lastAttemptAt: iso(d.lastAttemptAt),
  nextAttemptAt: iso(d.nextAttemptAt),
  deliveredAt: iso(d.deliveredAt),
  createdAt: d.createdAt.toISOString(),
  payload: d.payload,
})

/** Producer routes for outbound webhooks: the tenant's endpoints and their deliveries. */
export const webhookRoutes: FastifyPluginAsyncTypebox<SurfaceDeps> = async (app, { core }) => {
  const webhooks = () => {
    if (!core.webhooks) throw new HeraldError('UNAVAILABLE', 'webhooks are not served here')
    return core.webhooks
  }

  app.post(
    '/webhooks',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'createWebhook',
        summary: 'Register a webhook endpoint; its signing secret is in this answer only',
        body: T.Object(
          {
            url: Url,
            events: Events,
            description: T.Optional(Description),
            enabled: T.Optional(T.Boolean({ description: 'Deliver to it (default true)' })),
          },
          { additionalProperties: false, title: 'WebhookCreate' },
        ),
        response: {
          201: CreatedEndpoint,
          ...errorAnswers(...COMMON_ERRORS, ...BODY_ERRORS),
          409: {
            $ref: 'Error#',
            description: 'CONFLICT: the tenant has HERALD_WEBHOOK_MAX_ENDPOINTS endpoints already',
          },
        },
      },
    },
    async (req, reply) => {
      const { endpoint, secret } = await webhooks().create(tenantOf(req), req.body)
      return reply.code(201).send({ ...renderEndpoint(endpoint), secret })
    },
  )

  app.get(
    '/webhooks',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'listWebhooks',
        summary: "The tenant's webhook endpoints, oldest first",
        response: {
          200: T.Object(
            { items: T.Array(Endpoint) },
            { title: 'WebhookEndpointList', description: "The tenant's endpoints" },
          ),
          ...errorAnswers(...COMMON_ERRORS),
        },
      },
    },
    async (req) => ({ items: (await webhooks().list(tenantOf(req))).map(renderEndpoint) }),
  )

  app.get(
    '/webhooks/:webhookId',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'getWebhook',
        summary: 'One webhook endpoint (never its secret)',
        params: Params,
        response: { 200: Endpoint, ...errorAnswers(...COMMON_ERRORS), ...notFound },
      },
    },
    async (req) => renderEndpoint(await webhooks().get(tenantOf(req), req.params.webhookId)),
  )

  app.patch(
    '/webhooks/:webhookId',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'updateWebhook',
        summary: "Change an endpoint's URL, events, description, or enable/disable it",
        params: Params,
        body: T.Object(
          {
            url: T.Optional(Url),
            events: T.Optional(Events),
            description: T.Optional(Description),
            enabled: T.Optional(T.Boolean()),
          },
          { additionalProperties: false, minProperties: 1, title: 'WebhookUpdate' },
        ),
        response: {
          200: Endpoint,
          ...errorAnswers(...COMMON_ERRORS, ...BODY_ERRORS),
          ...notFound,
        },
      },
    },
    async (req) =>
      renderEndpoint(await webhooks().update(tenantOf(req), req.params.webhookId, req.body)),
  )

  app.delete(
    '/webhooks/:webhookId',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'deleteWebhook',
        summary: 'Delete an endpoint and its deliveries (pending ones are never sent)',
        params: Params,
        response: {
          204: T.Null({ description: 'Deleted' }),
          ...errorAnswers(...COMMON_ERRORS),
          ...notFound,
        },
      },
    },
    async (req, reply) => {
      await webhooks().remove(tenantOf(req), req.params.webhookId)
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/webhooks/:webhookId/deliveries',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'listWebhookDeliveries',
        summary: "An endpoint's deliveries, newest first, with each one's attempts and last status",
        params: Params,
        querystring: T.Object(
          {
            before: T.Optional(
              T.String({
                pattern: '^[0-9]{1,15}$',
                description: 'The `next` of the previous page',
              }),
            ),
            limit: T.Optional(T.Integer({ minimum: 1, maximum: 100, default: 20 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: T.Object(
            {
              items: T.Array(Delivery),
              next: T.Union([T.String(), T.Null()], {
                description: 'Pass it as `before` for the next page; null on the last page',
              }),
            },
            { title: 'WebhookDeliveryPage', description: 'A page of deliveries, newest first' },
          ),
          ...errorAnswers(...COMMON_ERRORS),
          ...notFound,
        },
      },
    },
    async (req) => {
      const limit = req.query.limit ?? 20
      const before = req.query.before === undefined ? null : Number(req.query.before)
      const items = await webhooks().deliveries(tenantOf(req), req.params.webhookId, before, limit)
      const last = items.at(-1)
      return {
        items: items.map(renderDelivery),
        next: items.length === limit && last ? String(last.seq) : null,
      }
    },
  )
}
