import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type {
  ContextConfigDefault,
  FastifyInstance,
  FastifyRequest,
  FastifySchema,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteHandlerMethod,
} from 'fastify'
import type { Authenticator } from '../auth/principal.ts'
import type { Config, Limits } from '../config.ts'
import type { HeraldError } from '../core/errors.ts'
import type { Core } from '../core/herald.ts'
import type { Viewer } from '../core/inbox.ts'
import type { Principal } from '../core/notification.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication step before any route handler runs. */
    principal: Principal | null
  }
  interface FastifyContextConfig {
    /** The principal kind a route needs; another valid kind is FORBIDDEN. Any when absent. */
    needs?: Principal['kind']
  }
}

/**
 * A route handler typed by its route's schemas through the TypeBox provider, for surfaces that
 * register routes through a helper or a table and still want typed input.
 */
export type SurfaceHandler<S extends FastifySchema> = RouteHandlerMethod<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  RouteGenericInterface,
  ContextConfigDefault,
  S,
  TypeBoxTypeProvider
>

/** What every surface's routes are given. */
export interface SurfaceDeps {
  core: Core
  auth: Authenticator
  /** The bounds of live streams. */
  stream: Config['stream']
  /** What one request may ask for (see Limits in config.ts). */
  limits: Limits
  /** The background clean-up's chunk size, which a purge by hand uses too. */
  cleanup: Config['cleanup']
  /** Conditional polling's interval hint (the native counts and first pages). */
  polling: Config['polling']
}

/**
 * An answer already in a surface's own shape: a status, a body (JSON, or a string sent as is)
 * and headers. Thrown by a surface's own checks; sent unchanged by the shared error handler.
 */
export class Answer extends Error {
  readonly status: number
  readonly body: unknown
  readonly headers: Record<string, string>

  constructor(status: number, body: unknown, headers: Record<string, string> = {}) {
    super(`answer ${status}`)
    this.name = 'Answer'
    this.status = status
    this.body = body
    this.headers = headers
  }
}

/** An OpenAPI security scheme: a bearer token, or a token in a header of the surface's own. */
export type SecurityScheme =
  | { type: 'http'; scheme: 'bearer'; bearerFormat?: string; description?: string }
  | { type: 'apiKey'; in: 'header' | 'query'; name: string; description?: string }

/** What a surface's OpenAPI document says of it; its route schemas say the rest. */
export interface SurfaceDocs {
  title: string
  description: string
  /** The tags its routes name, each described. */
  tags: Array<{ name: string; description: string }>
  /** Its credential forms, by the names its routes' `security` (or `security` below) use. */
  securitySchemes: Record<string, SecurityScheme>
  /** The requirement of every route, when all take the same credentials (a dialect's). */
  security?: Array<Record<string, string[]>>
}

/**
 * One API surface: the native API or a compatibility dialect. Every surface is declared this way
 * and mounted by one loop (see mount.ts), which authenticates, rate-limits and fails requests the
 * same way for all of them.
 */
export interface Surface {
  name: string
  /** Its routes, typed through the TypeBox provider. */
  routes: FastifyPluginAsyncTypebox<SurfaceDeps>
  /**
   * The raw credential of a request (a user token or an API key), or null when it carries none.
   * May throw an Answer for a header the surface refuses before any verification.
   */
  credential(req: FastifyRequest): string | null
  /** The principal kinds it serves; a credential of another kind is not valid here. */
  accepts: ReadonlyArray<Principal['kind']>
  /**
   * Path checks a router pattern cannot express, which decide whether the route exists at all:
   * they run before authentication and throw the surface's not-found Answer.
   */
  checkRoute?(req: FastifyRequest): void
  /**
   * For a user token that names several tenants: which of them this request acts in, as the
   * surface's clients name a tenant (Ondi's `tenant_id`, Productive's organization), or undefined
   * for the token's own. A tenant the token lacks is undefined too, and the surface's own checks
   * refuse it in its shape. Chosen before rate limiting: a user's budget is per tenant.
   */
  chooseTenant?(req: FastifyRequest, tenants: readonly string[]): string | undefined
  /** Headers its browser clients may send besides the credential's (CORS allows them). */
  requestHeaders?: readonly string[]
  /** Checks of its own once the caller is known (an organization header, a token scope). */
  admit?(req: FastifyRequest, principal: Principal, deps: SurfaceDeps): void | Promise<void>
  /** Any core error, Fastify's own included once classified, in the surface's shape. */
  renderError(err: HeraldError, req: FastifyRequest): Answer
  /** A request under its prefix that no route matched. */
  notFound(req: FastifyRequest, prefix: string): Answer
  /** Scope set-up before the routes: body parsers, response hooks. */
  setup?(app: FastifyInstance): void
  /** The headers its clients send with a token (what `herald token --dialect` prints). */
  credentialHeaders(token: string, tenant: string): Record<string, string>
  /** Its OpenAPI document's title, description, tags and security schemes. */
  docs: SurfaceDocs
}

/** The authenticated caller. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new Error('principalOf: the request is not authenticated')
  return req.principal
}

/** The authenticated caller as an inbox owner; only routes that accept user principals call it. */
export function viewerOf(req: FastifyRequest): Viewer {
  const p = req.principal
  if (!p?.userId) throw new Error('viewerOf: the request has no authenticated user')
  return { tenantId: p.tenantId, userId: p.userId }
}

/** The authenticated caller's tenant. */
export const tenantOf = (req: FastifyRequest): string => principalOf(req).tenantId

/**
 * The path of a route and its trailing-slash twin, for surfaces whose framework answers a path
 * with or without one (Laravel, Drupal). Register the route once per path:
 *
 * @example
 * for (const url of withOptionalSlash('/api/notifications')) app.get(url, opts, handler)
 */
export const withOptionalSlash = (path: string): [string, string] => [path, `${path}/`]
