import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { HeraldError, isHeraldError } from '../core/errors.ts'
import { Answer, type Surface } from './surface.ts'

type Failure = { field: string; reason: string }

/** One schema-validation failure as `field` and a reason a person can act on. */
function describe(v: NonNullable<FastifyError['validation']>[number], where: string): Failure {
  const params = v.params as Record<string, unknown>
  const path = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.')
  const extra = params.additionalProperty ?? params.missingProperty
  const field = [where, path, extra].filter((p) => p !== undefined && p !== '').join('.')
  if (v.keyword === 'additionalProperties') return { field, reason: 'is not a known field' }
  if (v.keyword === 'required') return { field, reason: 'is required' }
  return { field, reason: v.message ?? 'is not valid' }
}

/** Every schema-validation failure, once per field, first failure first. */
export function validationFailures(err: FastifyError): Failure[] {
  const where = err.validationContext ?? 'request'
  const all = (err.validation ?? []).map((v) => describe(v, where))
  const seen = new Set<string>()
  const out = all.filter((f) => !seen.has(f.field) && seen.add(f.field))
  return out.length > 0 ? out : [{ field: where, reason: err.message }]
}

/**
 * Any error thrown while handling a request, as a core error: the one place Fastify's own client
 * errors (bad JSON, too large, wrong content type, schema validation) are classified. Anything
 * unknown is INTERNAL.
 */
export function toHeraldError(err: unknown): HeraldError {
  if (isHeraldError(err)) return err
  const e = err as FastifyError
  if (e.validation) {
    const errors = validationFailures(e)
    const [first] = errors as [Failure, ...Failure[]]
    const message = errors.map((f) => `${f.field} ${f.reason}`).join('; ')
    return new HeraldError('VALIDATION', message, { ...first, errors })
  }
  if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e instanceof SyntaxError) {
    return new HeraldError('VALIDATION', 'the body is not valid JSON', {
      field: 'body',
      reason: 'is not valid JSON',
    })
  }
  const status = e.statusCode ?? 500
  if (status === 413) return new HeraldError('PAYLOAD_TOO_LARGE', 'request body is too large')
  if (status === 415) return new HeraldError('UNSUPPORTED_MEDIA_TYPE', e.message)
  if (status === 429) return new HeraldError('RATE_LIMITED', 'too many requests; slow down')
  if (status === 404) return new HeraldError('NOT_FOUND', e.message)
  if (status >= 400 && status < 500) return new HeraldError('VALIDATION', e.message)
  return new HeraldError('INTERNAL', 'internal error')
}

/** Seconds an UNAVAILABLE answer asks a client to wait when its error names no figure. */
const UNAVAILABLE_RETRY_S = 1

/** Sends an answer in its surface's shape. */
export function sendAnswer(reply: FastifyReply, a: Answer) {
  reply.code(a.status).headers(a.headers)
  return reply.send(a.body)
}

/**
 * The error handler every surface shares: its own answers go out unchanged, everything else is
 * classified once and rendered by the surface. Failures that are ours (5xx) are logged.
 */
export function sendError(
  surface: Surface,
  err: unknown,
  req: FastifyRequest,
  reply: FastifyReply,
) {
  const herald = err instanceof Answer ? null : toHeraldError(err)
  const answer = herald ? surface.renderError(herald, req) : (err as Answer)
  // An outage answers every request with UNAVAILABLE: a warning each, not an error each.
  if (herald?.code === 'UNAVAILABLE') req.log.warn({ err }, `${surface.name} request unavailable`)
  else if (answer.status >= 500) req.log.error({ err }, `${surface.name} request failed`)
  const retryAfter = herald?.code === 'RATE_LIMITED' ? herald.details?.retryAfter : undefined
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter))
  // A store outage or a draining server: a client that waits a moment (or, behind a balancer,
  // tries another instance) succeeds, so say when.
  if (herald?.code === 'UNAVAILABLE') {
    reply.header('retry-after', String(herald.details?.retryAfter ?? UNAVAILABLE_RETRY_S))
  }
  return sendAnswer(reply, answer)
}
