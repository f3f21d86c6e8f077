import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type as T } from 'typebox'
import { type ApiKeyInfo, type KeyPosition, MAX_OVERLAP_S } from '../../../auth/api-keys.ts'
import { HeraldError } from '../../../core/errors.ts'
import { type SurfaceDeps, tenantOf } from '../../surface.ts'
import { BODY_ERRORS, COMMON_ERRORS, errorAnswers } from '../schemas.ts'

const security = [{ apiKey: [] }]
const tags = ['producer']
const config = { needs: 'server' as const }
const errors = errorAnswers(...COMMON_ERRORS)
const bodyErrors = errorAnswers(...COMMON_ERRORS, ...BODY_ERRORS)
const oneErrors = errorAnswers(...COMMON_ERRORS, 404)
const DateTime = T.String({ format: 'date-time' })
const MaybeTime = (description: string) => T.Union([DateTime, T.Null()], { description })
const Name = T.String({ maxLength: 256, description: 'A label for people' })

const KeyParams = T.Object({
  keyId: T.String({
    minLength: 1,
    maxLength: 64,
    pattern: '^[A-Za-z0-9_-]+$',
    description: "The key's id, as listed (the part of `hk_<id>.<secret>` before the dot)",
  }),
})
const ApiKeyOut = T.Object(
  {
    id: T.String(),
    name: T.Union([T.String(), T.Null()]),
    createdAt: DateTime,
    lastUsedAt: MaybeTime('When it last authenticated a request, to within about two minutes'),
    expiresAt: MaybeTime('Set once the key was rotated: it stops working then'),
  },
  { title: 'ApiKeyInfo', description: 'A server API key as an operator sees it: never its secret' },
)
const ApiKeyPage = T.Object(
  {
    items: T.Array(ApiKeyOut),
    next: T.Union([T.String(), T.Null()], {
      description: 'Pass it as `cursor` for the next page; null on the last page',
    }),
  },
  { title: 'ApiKeyPage', description: "The tenant's working keys, oldest first" },
)
const NewKey = {
  id: T.String(),
  key: T.String({ description: 'The key itself (hk_…): shown this once only' }),
}
const conflict = {
  409: { $ref: 'Error#' as const, description: 'CONFLICT: this key was already rotated' },
}

const render = (k: ApiKeyInfo) => ({
  id: k.id,
  name: k.name,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  expiresAt: k.expiresAt?.toISOString() ?? null,
})

// Cursors are opaque (base64url JSON), like the inbox's: the order behind them may change.
const encodeCursor = (k: KeyPosition) =>
  Buffer.from(JSON.stringify({ a: k.createdAt.toISOString(), i: k.id })).toString('base64url')
function decodeCursor(cursor: string): KeyPosition {
  try {
    const raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown
    if (raw && typeof raw === 'object' && 'a' in raw && 'i' in raw && typeof raw.i === 'string') {
      const createdAt = new Date(String(raw.a))
      const year = createdAt.getUTCFullYear()
      if (year >= 0 && year <= 9999) return { createdAt, id: raw.i }
    }
  } catch {
    // fall through to the validation error
  }
  throw new HeraldError('VALIDATION', 'cursor: not a cursor this API returned', { field: 'cursor' })
}

/** Producer routes for the tenant's own server API keys: create, list, revoke, rotate. */
export const apiKeyRoutes: FastifyPluginAsyncTypebox<SurfaceDeps> = async (app, { auth }) => {
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
              { name: T.Optional(Name) },
              { additionalProperties: false, title: 'ApiKeyRequest', description: 'Optional' },
            ),
            T.Null(),
          ]),
        ),
        response: {
          201: T.Object(NewKey, { title: 'ApiKey', description: 'A new server API key' }),
          ...bodyErrors,
        },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await auth.createApiKey(tenantOf(req), req.body?.name ?? null)),
  )

  app.get(
    '/api-keys',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'listApiKeys',
        summary: "List the caller's tenant's working server API keys (never their secrets)",
        querystring: T.Object(
          {
            cursor: T.Optional(T.String({ maxLength: 512 })),
            limit: T.Optional(T.Integer({ minimum: 1, maximum: 100, default: 50 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: ApiKeyPage, ...errors },
      },
    },
    async (req) => {
      const limit = req.query.limit ?? 50
      const after = req.query.cursor === undefined ? null : decodeCursor(req.query.cursor)
      const keys = await auth.listApiKeys(tenantOf(req), after, limit)
      const last = keys.at(-1)
      return {
        items: keys.map(render),
        next: keys.length === limit && last ? encodeCursor(last) : null,
      }
    },
  )

  app.delete(
    '/api-keys/:keyId',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'revokeApiKey',
        summary:
          "Revoke one of the tenant's keys: every instance refuses it within a second (the calling key may revoke itself)",
        params: KeyParams,
        response: { 204: T.Null({ description: 'Revoked' }), ...oneErrors },
      },
    },
    async (req, reply) => {
      await auth.revokeApiKey(tenantOf(req), req.params.keyId)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/api-keys/:keyId/rotate',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'rotateApiKey',
        summary:
          'Replace a key with a new one (shown once); the old key keeps working for `overlapSeconds`',
        params: KeyParams,
        body: T.Optional(
          T.Union([
            T.Object(
              {
                overlapSeconds: T.Optional(
                  T.Integer({
                    minimum: 0,
                    maximum: MAX_OVERLAP_S,
                    description:
                      'How long the old key keeps working: 86400 (a day) when absent, 0 stops it now, 30 days at most',
                  }),
                ),
                name: T.Optional(Name),
              },
              {
                additionalProperties: false,
                title: 'RotateApiKeyRequest',
                description: "Optional; the new key takes the old one's name unless given one",
              },
            ),
            T.Null(),
          ]),
        ),
        response: {
          201: T.Object(
            {
              ...NewKey,
              previous: T.Object({
                id: T.String(),
                expiresAt: T.String({ format: 'date-time', description: 'When it stops working' }),
              }),
            },
            { title: 'RotatedApiKey', description: 'The new key, and when the old one stops' },
          ),
          ...bodyErrors,
          ...errorAnswers(404),
          ...conflict,
        },
      },
    },
    async (req, reply) => {
      const { keyId } = req.params
      const out = await auth.rotateApiKey(tenantOf(req), keyId, {
        overlapS: req.body?.overlapSeconds,
        name: req.body?.name ?? null,
      })
      return reply.code(201).send({
        ...out,
        previous: { id: keyId, expiresAt: out.previous.expiresAt.toISOString() },
      })
    },
  )
}
