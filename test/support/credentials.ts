import { SignJWT } from 'jose'
import { SECRET, type TestHerald } from './harness.ts'

/**
 * The raw credentials (JWT and API-key strings, no header form) every security test tries. Each
 * surface wraps them in its own header form (`Bearer …`, `Token <base64>`, `X-Auth-Token`) and
 * adds the header-level cases only it has (a missing header, another scheme).
 */
export interface BadCredentials {
  /** The good user token the bad tokens are variations of. */
  user: string
  /** The tenant's good server API key the bad keys are variations of. */
  key: string
  /** Tokens no surface accepts: broken, unsigned, forged, expired, tampered, incomplete. */
  tokens: Record<string, string>
  /** API keys no surface accepts: malformed, unknown, the wrong secret. */
  keys: Record<string, string>
  /** Good server credentials, refused wherever a user token is needed. */
  server: { 'API key': string; 'operator token': string }
  /** A good token for the same user id in another tenant. */
  otherTenant: string
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600

/** Every bad credential for `user` of `tenant`; `key` is the tenant's key, made if not given. */
export async function badCredentials(
  h: TestHerald,
  o: { tenant: string; user: string; key?: string },
): Promise<BadCredentials> {
  const { tenant, user } = o
  const key = o.key ?? (await h.apiKey(tenant))
  const good = await h.token({ tenant, user })
  const [head = '', payload = '', signature = ''] = good.split('.')
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as object
  const signed = (secret: string, body: object) =>
    new SignJWT({ ...body })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user)
      .setExpirationTime(inAnHour())
      .sign(new TextEncoder().encode(secret))
  const dot = key.indexOf('.')
  const [id, secret] = [key.slice(0, dot), key.slice(dot + 1)]
  return {
    user: good,
    key,
    tokens: {
      garbage: 'not-a-token',
      'three garbage parts': 'not.a.token',
      forged: await signed('not-the-secret-0123456789-abcdefghijkl', { tenant }),
      expired: await h.token({ tenant, user, ttl: -60 }),
      'alg none': `${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      'no tenant claim': await signed(SECRET, {}),
      'tampered user': `${head}.${b64url({ ...claims, sub: `${user}-other` })}.${signature}`,
      'tampered tenant': `${head}.${b64url({ ...claims, tenant: `${tenant}-other` })}.${signature}`,
      'stripped signature': `${head}.${payload}.`,
      'no signature part': `${head}.${payload}`,
      'short signature': `${head}.${payload}.AAAA`,
    },
    keys: {
      'prefix only': 'hk_',
      'prefix and dot': 'hk_.',
      'no dot': 'hk_nodot',
      'no secret': `${id}.`,
      'secret with more': `${id}.${secret}x`,
      'secret with less': `${id}.${secret.slice(0, -1)}`,
      'wrong secret': `${id}.wrong`,
      'unknown id': `hk_unknown.${secret}`,
      'unknown id and secret': 'hk_unknown.secret',
      'id in upper case': `${id.toUpperCase()}.${secret}`,
      'no prefix': key.slice('hk_'.length),
    },
    server: {
      'API key': key,
      'operator token': await h.token({ tenant, user, operator: true }),
    },
    otherTenant: await h.token({ tenant: h.tenant(), user }),
  }
}

/** The tokens and keys no surface accepts, by name. */
export const refused = (c: BadCredentials): Array<[string, string]> =>
  Object.entries({ ...c.tokens, ...c.keys })

/** What a route that needs a user token refuses: every bad one, and good server credentials. */
export const notUserTokens = (c: BadCredentials): Array<[string, string]> => [
  ...refused(c),
  ...Object.entries(c.server),
]
