import { HeraldError } from '../core/errors.ts'
import type { Principal } from '../core/notification.ts'
import { type ApiKeyStore, createApiKey, looksLikeApiKey, verifyApiKey } from './api-keys.ts'
import { REMEMBER_MS, rememberedPrincipals } from './remembered.ts'
import type { TokenVerifier } from './tokens.ts'

/**
 * The one authentication step of every surface: a raw credential (a signed user token or a server
 * API key, however the surface's header wrapped it) becomes one principal.
 *
 * @example
 * const auth = createAuthenticator({ keys: createApiKeyStore(db), tokens })
 * const principal = await auth.verify(rawCredential)
 */
export function createAuthenticator({
  keys,
  tokens,
}: {
  keys: ApiKeyStore
  tokens: TokenVerifier
}) {
  // Verified API keys, for a minute: a producer sending in a loop costs no lookup per request.
  const verifiedKeys = rememberedPrincipals()
  async function apiKey(value: string): Promise<Principal> {
    const hit = verifiedKeys.get(value)
    if (hit) return hit
    const principal = await verifyApiKey(keys, value)
    verifiedKeys.set(value, principal, Date.now() + REMEMBER_MS)
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
      createApiKey(keys, tenantId, name),
  }
}

export type Authenticator = ReturnType<typeof createAuthenticator>
