import { createHmac, timingSafeEqual } from 'node:crypto'

/** The key bytes of a `whsec_…` secret (the base64 after the prefix). */
const keyOf = (secret: string) => Buffer.from(secret.replace(/^whsec_/, ''), 'base64')

/**
 * The Standard Webhooks signature of one delivery: `v1,` and the base64 HMAC-SHA256, keyed by
 * the secret, of `<webhook-id>.<webhook-timestamp>.<body>`.
 */
export function sign(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest()
  return `v1,${mac.toString('base64')}`
}

/**
 * Whether a received delivery is genuine: one of the space-separated `v1,` signatures matches,
 * and its timestamp is within `toleranceSeconds` of `now` (a replayed old delivery fails).
 */
export function verify(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  now = Date.now(),
  toleranceSeconds = 300,
): boolean {
  const ts = Number(headers.timestamp)
  if (!Number.isInteger(ts) || Math.abs(now / 1000 - ts) > toleranceSeconds) return false
  const expected = Buffer.from(sign(secret, headers.id, ts, body))
  return headers.signature.split(' ').some((s) => {
    const given = Buffer.from(s)
    return given.length === expected.length && timingSafeEqual(given, expected)
  })
}
