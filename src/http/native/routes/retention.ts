import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type as T } from 'typebox'
import { MAX_RETENTION_DAYS } from '../../../core/retention.ts'
import { type SurfaceDeps, tenantOf } from '../../surface.ts'
import { BODY_ERRORS, COMMON_ERRORS, errorAnswers } from '../schemas.ts'

const security = [{ apiKey: [] }]
const tags = ['producer']
const config = { needs: 'server' as const }

/** Chunks of each kind one purge request runs at most: its cost is bounded, `more` says the rest. */
export const PURGE_CHUNKS_PER_REQUEST = 10

// A type list, not a union: with coercion on, ajv would turn 0 into null on the null branch of a
// union, and a period of 0 days would quietly mean "keep".
const Days = (what: string) =>
  T.Unsafe<number | null>({
    type: ['integer', 'null'],
    minimum: 1,
    maximum: MAX_RETENTION_DAYS,
    description: `${what}; null (or absent) keeps them`,
  })

const RetentionBody = T.Object(
  {
    readDays: T.Optional(
      Days('Days after a notification was first read or dismissed that it is deleted'),
    ),
    allDays: T.Optional(
      Days('Days after a notification was created that it is deleted, read or not'),
    ),
  },
  {
    additionalProperties: false,
    title: 'RetentionInput',
    description: "The tenant's whole retention policy: a field left out is null (keep)",
  },
)

const RetentionOut = T.Object(
  {
    readDays: T.Union([T.Integer(), T.Null()], {
      description: 'Days after being read or dismissed; null: kept',
    }),
    allDays: T.Union([T.Integer(), T.Null()], { description: 'Days after creation; null: kept' }),
  },
  {
    title: 'Retention',
    description:
      "The tenant's retention policy. Expired notifications (`expiresAt` past) are deleted whatever it says",
  },
)

const PurgeOut = T.Object(
  {
    expired: T.Integer({ description: 'Deleted because their `expiresAt` had passed' }),
    read: T.Integer({ description: 'Deleted `readDays` after being read or dismissed' }),
    old: T.Integer({ description: 'Deleted `allDays` after being created' }),
    more: T.Boolean({ description: 'More may be waiting: call again (or let the server do it)' }),
  },
  { title: 'PurgeResult', description: "What a purge deleted of the caller's tenant" },
)

/** Producer routes for the tenant's retention policy, and a purge now rather than later. */
export const retentionRoutes: FastifyPluginAsyncTypebox<SurfaceDeps> = async (
  app,
  { core, cleanup },
) => {
  const { retention } = core

  app.get(
    '/retention',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'getRetention',
        summary: "The tenant's retention policy",
        response: { 200: RetentionOut, ...errorAnswers(...COMMON_ERRORS) },
      },
    },
    async (req) => retention.get(tenantOf(req)),
  )

  app.put(
    '/retention',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'putRetention',
        summary: "Set the tenant's retention policy",
        description:
          'The server deletes what the policy no longer keeps in the background, a chunk at a time (`HERALD_CLEANUP_INTERVAL_MS`, `HERALD_CLEANUP_CHUNK`); open streams are told, as for any delete.',
        body: RetentionBody,
        response: { 200: RetentionOut, ...errorAnswers(...COMMON_ERRORS, ...BODY_ERRORS) },
      },
    },
    async (req) =>
      retention.set(tenantOf(req), {
        readDays: req.body.readDays ?? null,
        allDays: req.body.allDays ?? null,
      }),
  )

  app.post(
    '/retention/purge',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'purgeRetention',
        summary: "Delete the tenant's expired notifications and those past its policy, now",
        description: `Up to ${PURGE_CHUNKS_PER_REQUEST} chunks of each kind (\`HERALD_CLEANUP_CHUNK\` notifications each); \`more\` says whether to call again. The server's background job does the same on its own.`,
        response: { 200: PurgeOut, ...errorAnswers(...COMMON_ERRORS) },
      },
    },
    async (req) => retention.purge(tenantOf(req), cleanup.chunk, PURGE_CHUNKS_PER_REQUEST),
  )
}
