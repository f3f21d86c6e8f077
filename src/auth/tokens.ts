import { createSecretKey } from 'node:crypto'
import {
  createRemoteJWKSet,
  errors,
  importSPKI,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
  SignJWT,
} from 'jose'
import { HeraldError } from '../core/errors.ts'
import type { Principal } from '../core/notification.ts'
import { REMEMBER_MS, rememberedPrincipals } from './remembered.ts'

export interface TokenConfig {
  /** HS256 shared secret. */
  secret: string | null
  /** RS256/ES256 public keys (PEM, SPKI) of the host application. */
  publicKeys: string[]
  jwksUrl: string | null
  issuer: string | null
  audience: string | null
}

const ASYMMETRIC = ['RS256', 'ES256'] as const

const list = (v: unknown): string[] =>
  Array.isArray(v)
    ? v.filter((x): x is string => typeof x === 'string')
    : typeof v === 'string'
      ? v.split(' ').filter(Boolean)
      : []

/** How many tenants one token's `tenants` claim may name, and how long each id may be. */
export const TOKEN_TENANTS_MAX = 50
const TENANT_ID_MAX = 200

/**
 * The tenants a token may act in, its own first: `tenant`, then the `tenants` claim's (a user who
 * belongs to several). Absent or naming only its own: undefined. Anything but a list of up to
 * TOKEN_TENANTS_MAX non-empty ids refuses the token, rather than guess which tenants were meant.
 */
function tenantsOf(p: JWTPayload, own: string): readonly string[] | undefined {
  const claim = p.tenants
  if (claim === undefined) return undefined
  const valid =
    Array.isArray(claim) &&
    claim.length <= TOKEN_TENANTS_MAX &&
    claim.every((t) => typeof t === 'string' && t !== '' && t.length <= TENANT_ID_MAX)
  if (!valid) {
    throw new HeraldError(
      'UNAUTHENTICATED',
      `the tenants claim must be a list of at most ${TOKEN_TENANTS_MAX} tenant ids`,
    )
  }
  const all = [...new Set([own, ...(claim as string[])])]
  return all.length > 1 ? all : undefined
}

/** The claim that makes a token Herald's own operator credential (what the CLI mints). */
const OPERATOR_CLAIM = 'herald_operator'

/**
 * Claims → principal: `sub`, `tenant` (and `tenants`, for a user in several), `roles` (or
 * `admin: true`), `scope`/`scopes`. `own` says the token was signed with Herald's secret, the only
 * kind that may carry the operator claim; an operator acts in its own tenant only.
 */
function principalOf(p: JWTPayload, own: boolean): Principal {
  const tenant = p.tenant
  if (typeof p.sub !== 'string' || p.sub === '' || typeof tenant !== 'string' || tenant === '') {
    throw new HeraldError('UNAUTHENTICATED', 'token must carry sub and tenant claims')
  }
  const roles = list(p.roles)
  if (p.admin === true && !roles.includes('admin')) roles.push('admin')
  // An operator token acts as the tenant's server, like an API key. Only a token signed with
  // Herald's own secret may be one: a host application's role names never grant it.
  if (p[OPERATOR_CLAIM] === true) {
    if (!own) throw new HeraldError('UNAUTHENTICATED', 'operator tokens must be signed by Herald')
    return { tenantId: tenant, userId: null, roles: ['operator'], scopes: [], kind: 'server' }
  }
  const tenants = tenantsOf(p, tenant)
  return {
    tenantId: tenant,
    ...(tenants ? { tenants } : {}),
    userId: p.sub,
    roles,
    scopes: [...list(p.scope), ...list(p.scopes)],
    kind: 'user',
  }
}

/** Verifies user tokens: HS256 with the secret, RS256/ES256 with configured keys or a JWKS. */
export function createTokenVerifier(cfg: TokenConfig) {
  // A key object made once: given raw bytes, jose imports the key again on every verification.
  const secret = cfg.secret ? createSecretKey(Buffer.from(cfg.secret, 'utf8')) : null
  const jwks: JWTVerifyGetKey | null = cfg.jwksUrl ? createRemoteJWKSet(new URL(cfg.jwksUrl)) : null
  const options = {
    issuer: cfg.issuer ?? undefined,
    audience: cfg.audience ?? undefined,
    requiredClaims: ['exp', 'sub'],
  }

  async function attempt(token: string): Promise<{ payload: JWTPayload; own: boolean }> {
    if (secret) {
      try {
        const { payload } = await jwtVerify(token, secret, { ...options, algorithms: ['HS256'] })
        return { payload, own: true }
      } catch (err) {
        if (!(err instanceof errors.JOSEAlgNotAllowed) || (!jwks && cfg.publicKeys.length === 0)) {
          throw err
        }
      }
    }
    if (jwks) {
      const { payload } = await jwtVerify(token, jwks, { ...options, algorithms: [...ASYMMETRIC] })
      return { payload, own: false }
    }
    let last: unknown = new Error('no key configured for this token')
    for (const pem of cfg.publicKeys) {
      try {
        const getKey = (h: { alg?: string }) => importSPKI(pem, h.alg ?? 'RS256')
        const verified = await jwtVerify(token, getKey, { ...options, algorithms: [...ASYMMETRIC] })
        return { payload: verified.payload, own: false }
      } catch (err) {
        // The signature verified with this key but a claim did not (expired, wrong issuer):
        // that is the answer, not the next key's "wrong kind of key".
        if (err instanceof errors.JWTClaimValidationFailed || err instanceof errors.JWTExpired)
          throw err
        last = err
      }
    }
    throw last
  }

  // A token verified once is good until it expires: remembered for at most a minute.
  const verified = rememberedPrincipals()

  return {
    /** The principal of a token verified recently and not expired, without verifying again. */
    known: (token: string): Principal | null => verified.get(token),
    async verify(token: string): Promise<Principal> {
      const hit = verified.get(token)
      if (hit) return hit
      try {
        const { payload, own } = await attempt(token)
        const principal = principalOf(payload, own)
        verified.set(
          token,
          principal,
          Math.min(Date.now() + REMEMBER_MS, (payload.exp ?? 0) * 1000),
        )
        return principal
      } catch (err) {
        if (err instanceof HeraldError) throw err
        const reason = err instanceof errors.JWTExpired ? 'token has expired' : 'token is not valid'
        throw new HeraldError('UNAUTHENTICATED', reason)
      }
    },
  }
}

export type TokenVerifier = ReturnType<typeof createTokenVerifier>

export interface MintOptions {
  tenant: string
  /** Further tenants the user belongs to (the `tenants` claim); the token acts in its own by default. */
  tenants?: string[]
  user: string
  admin?: boolean
  /** Acts as the tenant's server (producer routes) instead of as a user. */
  operator?: boolean
  scopes?: string[]
  /** Lifetime in seconds; default 7 days. */
  ttl?: number
}

/** Signs an HS256 user token, as `herald token` prints and tests use. */
export function mintToken(secret: string, o: MintOptions): Promise<string> {
  return new SignJWT({
    tenant: o.tenant,
    roles: o.admin ? ['admin'] : [],
    ...(o.operator ? { [OPERATOR_CLAIM]: true } : {}),
    ...(o.scopes ? { scopes: o.scopes } : {}),
    ...(o.tenants && o.tenants.length > 0 ? { tenants: o.tenants } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(o.user)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (o.ttl ?? 7 * 24 * 3600))
    .sign(new TextEncoder().encode(secret))
}
