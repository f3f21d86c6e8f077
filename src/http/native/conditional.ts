import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type as T } from 'typebox'
import type { InboxVersions } from '../../core/inbox-versions.ts'
import { viewerOf } from '../surface.ts'
import { TenantHeaders } from './schemas.ts'

/**
 * The answer's tag: the inbox version, with the route, its query and who asked, so two queries,
 * two users or two tenants never share one. Weak (`W/`): it vouches that nothing in the inbox
 * changed, not for the bytes (an expiry can hide a row within a version's lifetime, and a proxy
 * may compress), and If-None-Match compares weakly anyway.
 */
function tagOf(req: FastifyRequest, version: string): string {
  const v = viewerOf(req)
  const query = (req.query ?? {}) as Record<string, unknown>
  const canonical = Object.keys(query)
    .sort()
    .map((k) => [k, query[k]])
  const hash = createHash('sha256')
    .update(JSON.stringify([version, v.tenantId, v.userId, req.routeOptions.url, canonical]))
    .digest('base64url')
    .slice(0, 27)
  return `W/"${hash}"`
}

/** Whether If-None-Match names this tag (`*` names any), comparing weakly. */
function matches(header: string | undefined, tag: string): boolean {
  if (header === undefined) return false
  const opaque = tag.slice(2)
  return header.split(',').some((t) => {
    const given = t.trim()
    return given === '*' || (given.startsWith('W/') ? given.slice(2) : given) === opaque
  })
}

/**
 * Conditional polling (GET only): sets ETag and X-Poll-Interval, and answers 304 with no body
 * when the client's If-None-Match names the current tag, before any store read. Returns whether
 * it answered. Call it first thing in the handler: the version is taken before the store is read.
 */
export function answeredUnchanged(
  req: FastifyRequest,
  reply: FastifyReply,
  versions: InboxVersions,
  pollIntervalS: number,
): boolean {
  const tag = tagOf(req, versions.of(viewerOf(req)))
  reply.header('etag', tag).header('x-poll-interval', String(pollIntervalS))
  if (!matches(req.headers['if-none-match'], tag)) return false
  reply.code(304).send()
  return true
}

/** The headers of a pollable answer, as the OpenAPI document describes them. */
export const POLL_HEADERS = {
  ETag: T.String({
    description:
      "The inbox's version for this query and caller (weak): send it back as If-None-Match",
  }),
  'X-Poll-Interval': T.Integer({
    description: 'Seconds to wait before polling again (HERALD_POLL_INTERVAL_S)',
  }),
}

/** The 304 of a pollable route, for its response schemas. */
export const NotModified = T.Null({
  description:
    'Not Modified: nothing in the inbox changed since the ETag given as If-None-Match; no body',
  headers: POLL_HEADERS,
})

/** A pollable route's request headers: the tenant's, and If-None-Match. */
export const PollHeaders = T.Object({
  ...TenantHeaders.properties,
  'if-none-match': T.Optional(
    T.String({ description: 'The ETag of the answer the client holds: 304 while it is current' }),
  ),
})
