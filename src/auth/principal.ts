import { HeraldError } from '../core/errors.ts'
import type { Principal } from '../core/notification.ts'
import type { Store } from '../core/store.ts'
import { looksLikeApiKey, verifyApiKey } from './api-keys.ts'
import { REMEMBER_MS, rememberedPrincipals } from './remembered.ts'
import type { TokenVerifier } from './tokens.ts'

/** Turns any credential, in whatever form a surface received it, into one principal. */
export function createAuthenticator({ store, tokens }: { store: Store; tokens: TokenVerifier }) {
  // Verified API keys, for a minute: a producer sending in a loop costs no lookup per request.
  // Keys cannot be revoked yet; when they can, revocation must clear this.
  const keys = rememberedPrincipals()
  async function apiKey(value: string): Promise<Principal> {
    const hit = keys.get(value)
    if (hit) return hit
    const principal = await verifyApiKey(store, value)
    keys.set(value, principal, Date.now() + REMEMBER_MS)
    return principal
  }

  return {
    /** A bare credential: a server API key or a signed user token. */
    async credential(value: string): Promise<Principal> {
      if (value === '') throw new HeraldError('UNAUTHENTICATED', 'credential is empty')
      return looksLikeApiKey(value) ? apiKey(value) : tokens.verify(value)
    },
    /** An `Authorization: Bearer …` header; UNAUTHENTICATED when absent or of another scheme. */
    async bearer(header: string | undefined): Promise<Principal> {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')
      if (!match?.[1]) {
        throw new HeraldError('UNAUTHENTICATED', 'send Authorization: Bearer <token or API key>')
      }
      return this.credential(match[1])
    },
  }
}

export type Authenticator = ReturnType<typeof createAuthenticator>
