import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type as T } from 'typebox'
import type { SendInput } from '../../../core/send.ts'
import { type SurfaceDeps, tenantOf } from '../../surface.ts'
import { BODY_ERRORS, COMMON_ERRORS, errorAnswers, SendBody, SendResponse } from '../schemas.ts'

const security = [{ apiKey: [] }]
const tags = ['producer']
const config = { needs: 'server' as const }
const bodyErrors = errorAnswers(...COMMON_ERRORS, ...BODY_ERRORS)

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
    actions: b.actions?.map((a) => ({ ...a, style: a.style ?? 'secondary' })),
    createdAt: date(b.createdAt) ?? undefined,
    read: state(b.read),
    seen: state(b.seen),
    dismissed: state(b.dismissed),
    snoozedUntil: date(b.snoozedUntil),
    expiresAt: date(b.expiresAt),
    lastActionAt: date(b.lastActionAt),
  }
}

/** Producer routes: send, and make more server API keys. Authenticated by a server API key. */
export const sendRoutes: FastifyPluginAsyncTypebox<SurfaceDeps> = async (app, { core, auth }) => {
  app.post(
    '/notifications',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'sendNotification',
        summary: 'Send a notification to users, a topic, or the whole tenant',
        headers: T.Object({
          'idempotency-key': T.Optional(
            T.String({
              minLength: 1,
              maxLength: 256,
              description:
                'Makes retries safe: a retry with the same key answers the first send (`replayed`), the same key with another body is 409',
            }),
          ),
        }),
        body: SendBody,
        response: { 201: SendResponse, ...bodyErrors, ...errorAnswers(409) },
      },
    },
    async (req, reply) => {
      const key = req.headers['idempotency-key']
      const out = await core.sender.send(tenantOf(req), toSendInput(req.body), key)
      if (out.replayed) reply.header('idempotent-replayed', 'true')
      return reply.code(201).send(out)
    },
  )

  app.post(
    '/api-keys',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'createApiKey',
        summary: "Create another server API key for the caller's tenant (shown once)",
        // The union with null is what lets a request come with no body at all.
        body: T.Optional(
          T.Union([
            T.Object(
              { name: T.Optional(T.String({ maxLength: 256, description: 'A label for people' })) },
              { additionalProperties: false, title: 'ApiKeyRequest', description: 'Optional' },
            ),
            T.Null(),
          ]),
        ),
        response: {
          201: T.Object(
            {
              id: T.String(),
              key: T.String({ description: 'The key itself (hk_…): shown this once only' }),
            },
            { title: 'ApiKey', description: 'A new server API key' },
          ),
          ...bodyErrors,
        },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await auth.createApiKey(tenantOf(req), req.body?.name ?? null)),
  )
}
