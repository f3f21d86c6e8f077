import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type as T } from 'typebox'
import type { Viewer } from '../../core/inbox.ts'
import type { InboxVersions } from '../../core/inbox-versions.ts'
import { viewerOf } from '../surface.ts'
import { TenantHeaders } from './schemas.ts'

/** Tags a route remembers (see `conditionalPolls`); past this many, or this many characters of keys and tags, it starts over. */
const TAGS_MAX = 10_000
const TAGS_MAX_CHARS = 4_000_000

/**
 * The answer's tag: the inbox version, with the route, its query and who asked, so two queries,
 * two users or two tenants never share one. Weak (`W/`): it vouches that nothing in the inbox
 * changed, not for the bytes (an expiry can hide a row within a version's lifetime, and a proxy
 * may compress), and If-None-Match compares weakly anyway.
 */
function tagOf(req: FastifyRequest, v: Viewer, version: string): string {
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
  // A poller sends back the one tag it was given.
  if (header === tag) return true
  const opaque = tag.slice(2)
  return header.split(',').some((t) => {
    const given = t.trim()
    return given === '*' || (given.startsWith('W/') ? given.slice(2) : given) === opaque
  })
}

/**
 * Conditional polling (GET only) for one route: `answeredUnchanged(req, reply)` sets ETag and
 * X-Poll-Interval, and answers 304 with no body when the client's If-None-Match names the
 * current tag, before any store read; it returns whether it answered. Call it first thing in
 * the handler: the version is taken before the store is read.
 *
 * A poller asks the same thing again and again while its inbox's version stands, so the route
 * remembers each tag by version, caller and URL as sent (a lookup instead of a hash per poll;
 * the URL determines the route and its parsed query, all the tag is made of besides).
 */
export function conditionalPolls(versions: InboxVersions, pollIntervalS: number) {
  const interval = String(pollIntervalS)
  const tags = new Map<string, string>()
  // Keys hold the URL as sent, whose length the caller chooses: the memory is bounded too.
  let chars = 0
  const tagFor = (req: FastifyRequest, v: Viewer): string => {
    const version = versions.of(v)
    const key = `${version}\u0000${v.tenantId}\u0000${v.userId}\u0000${req.url}`
    let tag = tags.get(key)
    if (tag === undefined) {
      tag = tagOf(req, v, version)
      if (tags.size >= TAGS_MAX || chars + key.length > TAGS_MAX_CHARS) {
        tags.clear()
        chars = 0
      }
      tags.set(key, tag)
      chars += key.length + tag.length
    }
    return tag
  }
  return {
    answeredUnchanged(req: FastifyRequest, reply: FastifyReply): boolean {
      const tag = tagFor(req, viewerOf(req))
      reply.header('etag', tag).header('x-poll-interval', interval)
      if (!matches(req.headers['if-none-match'], tag)) return false
      reply.code(304).send()
      return true
    },
  }
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
