/** The three headers every Herald webhook delivery carries (Standard Webhooks). */
export interface WebhookHeaders {
  'webhook-id': string
  'webhook-timestamp': string
  'webhook-signature': string
}

const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
const base64 = (buf: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(buf)))

/** Compares in time independent of where the strings differ. */
function same(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

/**
 * Whether a webhook delivery is genuine: its `webhook-signature` holds a `v1,` signature equal to
 * the base64 HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>` keyed by the endpoint's
 * secret (the base64 after `whsec_`), and its timestamp is within `toleranceSeconds` of now.
 * `body` must be the raw body as received, before any JSON parsing. Uses Web Crypto: Node 20,
 * Deno, Bun, workers and browsers.
 *
 * @example
 * app.post('/herald', express.text({ type: '*\/*' }), async (req, res) => {
 *   if (!(await verifyWebhook(process.env.HERALD_WEBHOOK_SECRET, req.headers, req.body)))
 *     return res.sendStatus(401)
 *   const event = JSON.parse(req.body) // { type, timestamp, data }
 *   res.sendStatus(204)
 * })
 */
export async function verifyWebhook(
  secret: string,
  headers: Partial<Record<keyof WebhookHeaders, string | string[] | undefined>>,
  body: string,
  opts: { toleranceSeconds?: number; now?: number } = {},
): Promise<boolean> {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)
  const id = one(headers['webhook-id'])
  const timestamp = one(headers['webhook-timestamp'])
  const signatures = one(headers['webhook-signature'])
  if (!id || !timestamp || !signatures || !/^\d+$/.test(timestamp)) return false
  const now = (opts.now ?? Date.now()) / 1000
  if (Math.abs(now - Number(timestamp)) > (opts.toleranceSeconds ?? 300)) return false
  const key = await crypto.subtle.importKey(
    'raw',
    bytes(secret.replace(/^whsec_/, '')),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  const mac = await crypto.subtle.sign(
    'HMAC',
    key,
    new TextEncoder().encode(`${id}.${timestamp}.${body}`),
  )
  const expected = base64(mac)
  return signatures.split(' ').some((s) => s.startsWith('v1,') && same(s.slice(3), expected))
}
