import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type as T } from 'typebox'
import type { ScheduledRow } from '../../../core/store.ts'
import { type SurfaceDeps, tenantOf } from '../../surface.ts'
import {
  COMMON_ERRORS,
  errorAnswers,
  SCHEDULE_STATUSES,
  ScheduledOut,
  ScheduledPage,
} from '../schemas.ts'

const security = [{ apiKey: [] }]
const tags = ['producer']
const config = { needs: 'server' as const }
const listErrors = errorAnswers(...COMMON_ERRORS)
const oneErrors = errorAnswers(...COMMON_ERRORS, 404)
const cancelErrors = {
  ...oneErrors,
  409: {
    $ref: 'Error#',
    description:
      'CONFLICT: it is no longer waiting: already delivered, cancelled or failed (`details.status` says which)',
  },
}

const IdParams = T.Object({
  id: T.String({ minLength: 1, maxLength: 64, description: 'The id the schedule answer gave' }),
})
const KeyParams = T.Object({
  key: T.String({
    minLength: 1,
    maxLength: 256,
    description: 'The Idempotency-Key the send was scheduled with',
  }),
})
const ListQuery = T.Object({
  status: T.Optional(
    T.Enum(SCHEDULE_STATUSES, { type: 'string', default: 'scheduled', description: 'One status' }),
  ),
  limit: T.Optional(T.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: T.Optional(T.String({ maxLength: 512 })),
})

/** A scheduled send as the native API shows it: the request summed up, not repeated whole. */
export function renderScheduled(r: ScheduledRow) {
  const req = r.request as { to: { users?: string[]; topic?: string }; type: string; title: string }
  const to = req.to
  return {
    id: r.id,
    status: r.status,
    sendAt: r.sendAt.toISOString(),
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    idempotencyKey: r.idempotencyKey,
    type: req.type,
    title: req.title,
    audience: to.users
      ? { kind: 'users' as const, users: to.users.length }
      : to.topic !== undefined
        ? { kind: 'topic' as const, topic: to.topic }
        : { kind: 'tenant' as const },
    result: r.result ? { messageId: r.result.messageId, recipients: r.result.recipients } : null,
    error: r.error,
  }
}

/** Producer routes for sends scheduled with `sendAt` or `delaySeconds`: list, get, cancel. */
export const scheduledRoutes: FastifyPluginAsyncTypebox<SurfaceDeps> = async (app, { core }) => {
  const { schedules } = core

  app.get(
    '/scheduled',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'listScheduledSends',
        summary: "List the tenant's scheduled sends of one status (waiting ones by default)",
        querystring: ListQuery,
        response: { 200: ScheduledPage, ...listErrors },
      },
    },
    async (req) => {
      const page = await schedules.list(tenantOf(req), {
        status: req.query.status ?? 'scheduled',
        cursor: req.query.cursor,
        limit: req.query.limit ?? 20,
      })
      return { items: page.items.map(renderScheduled), nextCursor: page.next }
    },
  )

  app.get(
    '/scheduled/:id',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'getScheduledSend',
        summary: 'Get a scheduled send, whatever its status',
        params: IdParams,
        response: { 200: ScheduledOut, ...oneErrors },
      },
    },
    async (req) => renderScheduled(await schedules.get(tenantOf(req), req.params.id)),
  )

  app.delete(
    '/scheduled/:id',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'cancelScheduledSend',
        summary: 'Cancel a scheduled send that is still waiting',
        params: IdParams,
        response: { 200: ScheduledOut, ...cancelErrors },
      },
    },
    async (req) => renderScheduled(await schedules.cancel(tenantOf(req), req.params.id)),
  )

  app.get(
    '/scheduled/by-key/:key',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'getScheduledSendByKey',
        summary: 'Get a scheduled send by the Idempotency-Key it was scheduled with',
        params: KeyParams,
        response: { 200: ScheduledOut, ...oneErrors },
      },
    },
    async (req) => renderScheduled(await schedules.getByKey(tenantOf(req), req.params.key)),
  )

  app.delete(
    '/scheduled/by-key/:key',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'cancelScheduledSendByKey',
        summary: 'Cancel a scheduled send by the Idempotency-Key it was scheduled with',
        params: KeyParams,
        response: { 200: ScheduledOut, ...cancelErrors },
      },
    },
    async (req) => renderScheduled(await schedules.cancelByKey(tenantOf(req), req.params.key)),
  )
}
