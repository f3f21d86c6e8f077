import type { FastifyRequest } from 'fastify'
import { type ErrorCode, HeraldError } from '../../core/errors.ts'
import { redactUrl } from '../log.ts'
import { Answer, type Surface } from '../surface.ts'
import { apiKeyRoutes } from './routes/api-keys.ts'
import { countRoutes } from './routes/counts.ts'
import { notificationRoutes } from './routes/notifications.ts'
import { preferenceRoutes } from './routes/preferences.ts'
import { retentionRoutes } from './routes/retention.ts'
import { scheduledRoutes } from './routes/scheduled.ts'
import { sendRoutes } from './routes/send.ts'
import { streamRoutes } from './routes/stream.ts'
import { userRoutes } from './routes/users.ts'
import { webhookRoutes } from './routes/webhooks.ts'
import { ErrorBody } from './schemas.ts'

/** Native status for each core error code. */
export const NATIVE_STATUS: Record<ErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  NOT_OWNER: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
}

const BEARER = /^Bearer\s+(\S+)\s*$/i

/** `Authorization: Bearer …`; the stream also takes `?access_token=` (EventSource sends no headers). */
function credential(req: FastifyRequest): string | null {
  const header = req.headers.authorization
  if (header === undefined && req.routeOptions.url?.endsWith('/me/stream')) {
    const query: unknown = req.query
    const token =
      query && typeof query === 'object' && 'access_token' in query && query.access_token
    // A repeated key parses as an array: say so, rather than "no credential" or a failure later.
    if (Array.isArray(token)) {
      throw new HeraldError('VALIDATION', 'access_token is given more than once', {
        field: 'querystring.access_token',
        reason: 'is given more than once',
      })
    }
    return typeof token === 'string' ? token : null
  }
  return BEARER.exec(header ?? '')?.[1] ?? null
}

/** The header a native client names the tenant it acts in with (a user in several tenants). */
const TENANT_HEADER = 'x-herald-tenant'

/**
 * The tenant a request names: `X-Herald-Tenant`, or on the stream (EventSource sends no headers)
 * `?tenant=`; undefined when it names none. A repeated header arrives joined with commas and
 * names no tenant anyone has, so it is refused like any tenant the credential lacks.
 */
function namedTenant(req: FastifyRequest): string | undefined {
  const header = req.headers[TENANT_HEADER]
  if (typeof header === 'string' && header !== '') return header
  if (req.routeOptions.url?.endsWith('/me/stream')) {
    const query = req.query as Record<string, unknown> | undefined
    const tenant = query?.tenant
    if (typeof tenant === 'string' && tenant !== '') return tenant
  }
  return undefined
}

const answer = (status: number, req: FastifyRequest, error: Record<string, unknown>) =>
  new Answer(status, { error: { ...error, requestId: req.id } })

/** The native API (/v1): producer routes for server API keys, inbox routes for user tokens. */
export const native: Surface = {
  name: 'native',
  accepts: ['user', 'server'],
  credential,
  chooseTenant: (req, tenants) => {
    const named = namedTenant(req)
    return named === undefined ? undefined : tenants.find((t) => t === named)
  },
  // Only a tenant the credential may act in: its own, or one its token's `tenants` claim lists.
  admit(req, p) {
    const named = namedTenant(req)
    if (named !== undefined && named !== p.tenantId) {
      throw new HeraldError('FORBIDDEN', 'this credential may not act in the tenant named', {
        field: 'X-Herald-Tenant',
      })
    }
  },
  requestHeaders: ['X-Herald-Tenant'],
  renderError(e, req) {
    // Another user's notification is answered exactly like a missing one: never a leak.
    const code = e.code === 'NOT_OWNER' ? 'NOT_FOUND' : e.code
    const message = e.code === 'NOT_OWNER' ? 'notification not found' : e.message
    return answer(NATIVE_STATUS[e.code], req, {
      code,
      message,
      ...(e.details ? { details: e.details } : {}),
    })
  },
  notFound: (req) =>
    answer(404, req, {
      code: 'NOT_FOUND',
      message: `no route ${req.method} ${redactUrl(req.url)}`,
    }),
  setup(app) {
    app.addSchema(ErrorBody)
  },
  credentialHeaders: (token) => ({ authorization: `Bearer ${token}` }),
  docs: {
    title: 'Herald',
    description:
      "Herald's native API: producers send notifications and manage users and topics with a server API key; a user's browser or app reads and changes that user's own inbox, and follows it live, with a user token. Errors are `{error: {code, message, details?, requestId}}`.",
    tags: [
      {
        name: 'inbox',
        description:
          "The caller's own notifications: list, get, change, delete, bulk changes, badge counts, the checkpoint, and the caller's notification preferences. A user token; reachable from browsers (CORS).",
      },
      {
        name: 'stream',
        description:
          'Live inbox events as Server-Sent Events, replayed after a reconnect. A user token; reachable from browsers (CORS).',
      },
      {
        name: 'webhooks',
        description:
          "Outbound webhooks: the tenant's endpoints, each with its signing secret, and their deliveries. A server API key; never reachable from a browser.",
      },
      {
        name: 'producer',
        description:
          "The tenant's backend: send notifications, manage users, topic subscribers, preferences (the tenant's categories and defaults, and any user's), API keys and the retention policy. A server API key; never reachable from a browser.",
      },
    ],
    securitySchemes: {
      userToken: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'A user token (a JWT: sub, tenant, exp), minted by your backend. A user in several tenants may carry them in a `tenants` claim and name the one a request acts in with the `X-Herald-Tenant` header (on the stream, `?tenant=`); without it, the token acts in its `tenant`.',
      },
      apiKey: { type: 'http', scheme: 'bearer', description: 'A server API key (hk_…)' },
    },
  },
  async routes(app, deps) {
    await app.register(sendRoutes, deps)
    await app.register(apiKeyRoutes, deps)
    await app.register(scheduledRoutes, deps)
    await app.register(userRoutes, deps)
    await app.register(retentionRoutes, deps)
    await app.register(notificationRoutes, deps)
    await app.register(countRoutes, deps)
    await app.register(preferenceRoutes, deps)
    await app.register(streamRoutes, deps)
    await app.register(webhookRoutes, deps)
  },
}
