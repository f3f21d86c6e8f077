import { HeraldError } from '../core/errors.ts'
import type { EventBus } from '../core/events.ts'
import type { Principal } from '../core/notification.ts'
import {
  type ApiKeyStore,
  createApiKey,
  DEFAULT_OVERLAP_S,
  type KeyPosition,
  looksLikeApiKey,
  rotateApiKey,
  verifyApiKey,
} from './api-keys.ts'
import { REMEMBER_MS, rememberedPrincipals } from './remembered.ts'
import type { TokenVerifier } from './tokens.ts'

/**
 * The one authentication step of every surface: a raw credential (a signed user token or a server
 * API key, however the surface's header wrapped it) becomes one principal. It also manages the
 * tenant's server API keys, since revoking one must reach what every instance remembered.
 *
 * @example
 * const auth = createAuthenticator({ keys: createApiKeyStore(db), tokens, events })
 * const principal = await auth.verify(rawCredential)
 */
export function createAuthenticator({
  keys,
  tokens,
  events,
  clock = () => new Date(),
}: {
  keys: ApiKeyStore
  tokens: TokenVerifier
  /** Carries key invalidations to every instance (and this one). */
  events: EventBus
  clock?: () => Date
}) {
  // Verified API keys, for a minute: a producer sending in a loop costs no lookup per request.
  const verifiedKeys = rememberedPrincipals(() => clock().getTime())
  // Bumped by every invalidation: a verification that was under way meanwhile read the key
  // before it changed, so its answer is used once but not remembered.
  let generation = 0
  events.onInvalidate(({ tenantId, keyId }) => {
    generation++
    verifiedKeys.forget((p) => p.tenantId === tenantId && p.keyId === keyId)
  })
  // Invalidations may have been lost with the bus: forget every key, each is verified again once.
  events.onGap(() => {
    generation++
    verifiedKeys.clear()
  })

  async function apiKey(value: string): Promise<Principal> {
    const hit = verifiedKeys.get(value)
    if (hit) return hit
    const seen = generation
    const now = clock()
    const { principal, expiresAt } = await verifyApiKey(keys, value, now)
    const until = Math.min(now.getTime() + REMEMBER_MS, expiresAt?.getTime() ?? Infinity)
    if (seen === generation) verifiedKeys.set(value, principal, until)
    return principal
  }

  return {
    /** Any credential; UNAUTHENTICATED when it is not valid. */
    async verify(value: string): Promise<Principal> {
      if (value === '') throw new HeraldError('UNAUTHENTICATED', 'credential is empty')
      return looksLikeApiKey(value) ? apiKey(value) : tokens.verify(value)
    },
    /** The principal of a credential verified recently, without any I/O; null otherwise. */
    known(value: string): Principal | null {
      return looksLikeApiKey(value) ? verifiedKeys.get(value) : tokens.known(value)
    },
    /** A new server API key for the tenant, shown once. */
    createApiKey: (tenantId: string, name: string | null = null) =>
      createApiKey(keys, tenantId, name, clock()),
    /** The tenant's working keys, oldest first (a page after the key `after`). */
    listApiKeys: (tenantId: string, after: KeyPosition | null, limit: number) =>
      keys.list(tenantId, after, limit, clock()),
    /** Deletes one of the tenant's keys; every instance stops taking it. NOT_FOUND otherwise. */
    async revokeApiKey(tenantId: string, id: string): Promise<void> {
      if (!(await keys.remove(tenantId, id, clock()))) {
        throw new HeraldError('NOT_FOUND', 'API key not found')
      }
      events.invalidate({ tenantId, keyId: id })
    },
    /**
     * A new key in place of one of the tenant's; the old one works `overlapS` seconds more
     * (default a day; 0 stops it now). Every instance learns the old key's new expiry.
     */
    async rotateApiKey(
      tenantId: string,
      id: string,
      opts: { overlapS?: number; name?: string | null } = {},
    ) {
      const overlapS = opts.overlapS ?? DEFAULT_OVERLAP_S
      const out = await rotateApiKey(keys, tenantId, id, { ...opts, overlapS, now: clock() })
      events.invalidate({ tenantId, keyId: id })
      return out
    },
  }
}

export type Authenticator = ReturnType<typeof createAuthenticator>
