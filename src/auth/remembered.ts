import type { Principal } from '../core/notification.ts'

/** How long a verified credential is answered from memory, at most. */
export const REMEMBER_MS = 60_000
const MAX_ENTRIES = 10_000

/**
 * Credentials already verified, each until a given time, so a client's every request does not
 * pay for verification again. Bounded: past the limit it starts over.
 */
export function rememberedPrincipals(now: () => number = Date.now) {
  const entries = new Map<string, { principal: Principal; until: number }>()
  return {
    get(credential: string): Principal | null {
      const hit = entries.get(credential)
      return hit && hit.until > now() ? hit.principal : null
    },
    set(credential: string, principal: Principal, until: number): void {
      if (entries.size >= MAX_ENTRIES) entries.clear()
      entries.set(credential, { principal, until })
    },
    /** Forgets every credential whose principal matches (a revoked key, however it was spelt). */
    forget(matches: (p: Principal) => boolean): void {
      for (const [credential, { principal }] of entries) {
        if (matches(principal)) entries.delete(credential)
      }
    },
    clear(): void {
      entries.clear()
    },
  }
}
