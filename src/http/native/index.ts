import type { FastifyRequest } from 'fastify'
import { type ErrorCode, HeraldError } from '../../core/errors.ts'
import { redactUrl } from '../log.ts'
import { Answer, type Surface } from '../surface.ts'
import { countRoutes } from './routes/counts.ts'
import { notificationRoutes } from './routes/notifications.ts'
import { retentionRoutes } from './routes/retention.ts'
import { sendRoutes } from './routes/send.ts'
import { streamRoutes } from './routes/stream.ts'
import { userRoutes } from './routes/users.ts'
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

const answer = (status: number, req: FastifyRequest, error: Record<string, unknown>) =>
  new Answer(status, { error: { ...error, requestId: req.id } })

/** The native API (/v1): producer routes for server API keys, inbox routes for user tokens. */
export const native: Surface = {
  name: 'native',
  accepts: ['user', 'server'],
  credential,
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
          "The caller's own notifications: list, get, change, delete, bulk changes, badge counts and the checkpoint. A user token; reachable from browsers (CORS).",
      },
      {
        name: 'stream',
        description:
          'Live inbox events as Server-Sent Events, replayed after a reconnect. A user token; reachable from browsers (CORS).',
      },
      {
        name: 'producer',
        description:
          "The tenant's backend: send notifications, manage users, topic subscribers, API keys and the retention policy. A server API key; never reachable from a browser.",
      },
    ],
    securitySchemes: {
      userToken: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'A user token (a JWT: sub, tenant, exp), minted by your backend',
      },
      apiKey: { type: 'http', scheme: 'bearer', description: 'A server API key (hk_…)' },
    },
  },
  async routes(app, deps) {
    await app.register(sendRoutes, deps)
    await app.register(userRoutes, deps)
    await app.register(retentionRoutes, deps)
    await app.register(notificationRoutes, deps)
    await app.register(countRoutes, deps)
    await app.register(streamRoutes, deps)
  },
}
