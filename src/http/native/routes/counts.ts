import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type as T } from 'typebox'
import { type SurfaceDeps, viewerOf } from '../../surface.ts'
import { conditionalPolls, NotModified, POLL_HEADERS, PollHeaders } from '../conditional.ts'
import { filterFromBody, filterFromQuery } from '../convert.ts'
import {
  BODY_ERRORS,
  COMMON_ERRORS,
  errorAnswers,
  FilterBody,
  FilterQuery,
  TenantHeaders,
} from '../schemas.ts'

const security = [{ userToken: [] }]
const tags = ['inbox']
const config = { needs: 'user' as const }
const errors = errorAnswers(...COMMON_ERRORS)

const CountsOut = T.Object(
  {
    counts: T.Record(T.String(), T.Integer(), {
      description:
        'Each count by name (total, unread, unseen; or the names asked), at most the cap',
    }),
    capped: T.Record(T.String(), T.Boolean(), {
      description: 'True where the count reached the cap (a badge says "99+")',
    }),
    byType: T.Optional(
      T.Record(T.String(), T.Integer(), { description: 'With `byType`: the total by type' }),
    ),
  },
  { title: 'Counts', description: 'Counts by name' },
)

const Cap = T.Integer({
  minimum: 1,
  maximum: 10_000,
  description: 'Stop counting past this (e.g. 99 for "99+")',
})

const capped = (counts: Record<string, number>, cap: number | null) => ({
  counts: Object.fromEntries(
    Object.entries(counts).map(([k, n]) => [k, cap === null ? n : Math.min(n, cap)]),
  ),
  capped: Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, cap !== null && n > cap])),
})

const CheckpointOut = T.Object(
  {
    at: T.Union([T.String({ format: 'date-time' }), T.Null()], {
      description: 'When; null if never',
    }),
  },
  {
    title: 'Checkpoint',
    description: 'When the caller last opened the inbox: everything older counts as seen',
  },
)

/** Badge counts and the "opened the inbox" checkpoint. */
export const countRoutes: FastifyPluginAsyncTypebox<SurfaceDeps> = async (
  app,
  { core, limits, polling },
) => {
  const { inbox, versions } = core
  const polls = conditionalPolls(versions, polling.intervalS)

  app.get(
    '/me/counts',
    {
      config,
      schema: {
        tags,
        security,
        headers: PollHeaders,
        operationId: 'getCounts',
        summary: 'Badge counts: total, unread and unseen (newer than the checkpoint)',
        description:
          'Pollable: the answer carries an `ETag` and an `X-Poll-Interval` (seconds); sent back as `If-None-Match`, the tag gets `304 Not Modified` with no body while nothing in the inbox changed.',
        querystring: T.Object(
          { ...FilterQuery, cap: T.Optional(Cap), byType: T.Optional(T.Boolean()) },
          { additionalProperties: false },
        ),
        response: { 200: { ...CountsOut, headers: POLL_HEADERS }, 304: NotModified, ...errors },
      },
    },
    async (req, reply) => {
      if (polls.answeredUnchanged(req, reply)) return reply
      const { cap, byType, ...filters } = req.query
      const base = filterFromQuery(filters)
      const v = viewerOf(req)
      const counts = await inbox.counts(
        v,
        { total: base, unread: { ...base, read: false }, unseen: { ...base, seen: false } },
        cap ?? null,
      )
      const out = capped(counts, cap ?? null)
      return byType ? { ...out, byType: await inbox.countByType(v, base) } : out
    },
  )

  app.post(
    '/me/counts',
    {
      config,
      schema: {
        tags,
        security,
        headers: TenantHeaders,
        operationId: 'postCounts',
        summary:
          "Several named counts in one call, capped at `cap` or the server's HERALD_COUNT_CAP",
        body: T.Object(
          {
            // Without additionalProperties, a name outside the pattern would skip validation.
            filters: T.Record(T.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), FilterBody, {
              minProperties: 1,
              maxProperties: 20,
              additionalProperties: false,
              description: 'Up to 20 filters, by the name their count gets',
            }),
            cap: T.Optional(Cap),
          },
          { additionalProperties: false, title: 'CountsRequest', description: 'Named counts' },
        ),
        response: { 200: CountsOut, ...errorAnswers(...COMMON_ERRORS, ...BODY_ERRORS) },
      },
    },
    async (req) => {
      const { filters } = req.body
      // Twenty uncapped counts over a large inbox held the store for seconds: without a cap of
      // the caller's, the server's applies (HERALD_COUNT_CAP), and `capped` says where it did.
      const cap = req.body.cap ?? limits.countCap
      const parsed = Object.fromEntries(
        Object.entries(filters).map(([k, f]) => [k, filterFromBody(f)]),
      )
      return capped(await inbox.counts(viewerOf(req), parsed, cap), cap)
    },
  )

  app.get(
    '/me/checkpoint',
    {
      config,
      schema: {
        tags,
        security,
        headers: TenantHeaders,
        operationId: 'getCheckpoint',
        summary: 'When the caller last opened the inbox',
        response: { 200: CheckpointOut, ...errors },
      },
    },
    async (req) => ({ at: (await inbox.checkpoint.get(viewerOf(req)))?.at.toISOString() ?? null }),
  )

  app.put(
    '/me/checkpoint',
    {
      config,
      schema: {
        tags,
        security,
        headers: TenantHeaders,
        operationId: 'moveCheckpoint',
        summary: 'Mark the inbox opened now: everything so far becomes seen',
        response: { 200: CheckpointOut, ...errors },
      },
    },
    async (req) => ({ at: (await inbox.checkpoint.move(viewerOf(req))).at.toISOString() }),
  )
}
