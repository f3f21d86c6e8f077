/** A token is asked for again this long before it expires. */
const EARLY_MS = 60_000

/** The `exp` of a JWT, in milliseconds, or null when it has none or is not a JWT. */
export function expiryOf(token: string): number | null {
  const payload = token.split('.')[1]
  if (!payload) return null
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'))
    const exp = (JSON.parse(json) as { exp?: unknown }).exp
    return typeof exp === 'number' ? exp * 1000 : null
  } catch {
    return null
  }
}

/**
 * The host's token provider, asked once per token rather than once per request: the token is
 * kept until a minute before its `exp`, and concurrent requests share one call.
 */
export function cachedToken(provide: () => string | Promise<string>): () => Promise<string> {
  let kept: { token: string; until: number } | null = null
  let pending: Promise<string> | null = null
  return async () => {
    if (kept && Date.now() < kept.until) return kept.token
    pending ??= Promise.resolve(provide())
      .then((token) => {
        const exp = expiryOf(token)
        kept = exp === null ? null : { token, until: exp - EARLY_MS }
        return token
      })
      .finally(() => {
        pending = null
      })
    return pending
  }
}
