import { createHmac, timingSafeEqual } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  id: string
  timestamp: string
  signature: string
  body: string
  json: { type: string; timestamp: string; data: Record<string, unknown> }
  /** The receiver's path, so one receiver serves several endpoints (`/a`, `/b`). */
  path: string
}

/** What the receiver does with a request: answer with a status, or never answer. */
export type Behaviour = number | 'hang'

/**
 * A local webhook receiver for tests: records every delivery, answers as `plan` says (one entry
 * per request, then `fallback`), and lets a test await the deliveries it expects.
 */
export async function startReceiver() {
  const got: Received[] = []
  const waiters = new Set<() => void>()
  const hung: ServerResponse[] = []
  let plan: Behaviour[] = []
  let fallback: Behaviour = 204

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const behaviour = plan.shift() ?? fallback
      if (behaviour === 'hang') {
        hung.push(res)
        return
      }
      got.push({
        id: String(req.headers['webhook-id']),
        timestamp: String(req.headers['webhook-timestamp']),
        signature: String(req.headers['webhook-signature']),
        body,
        json: JSON.parse(body),
        path: req.url ?? '/',
      })
      res.writeHead(behaviour).end(behaviour >= 400 ? 'no thanks' : '')
      for (const w of waiters) w()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo

  return {
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    received: got,
    /** The next requests' answers, in order; later ones get `then`. */
    answer(next: Behaviour[], then: Behaviour = 204) {
      plan = [...next]
      fallback = then
    },
    /** Resolves with the received deliveries once `pick` finds `count` of them; fails after 15 s. */
    async waitFor(pick: (r: Received) => boolean, count = 1): Promise<Received[]> {
      const found = () => got.filter(pick)
      if (found().length >= count) return found()
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`waited for ${count} deliveries, got ${found().length}`))
        }, 15_000)
        const check = () => {
          if (found().length < count) return
          clearTimeout(timer)
          waiters.delete(check)
          resolve(found())
        }
        waiters.add(check)
      })
    },
    async close() {
      for (const res of hung) res.destroy()
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>

/**
 * Verifies a delivery as a receiver following the Standard Webhooks specification would, written
 * here from the specification rather than imported, so the test checks Herald's signer.
 */
export function verifies(secret: string, r: Received): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  const expected = createHmac('sha256', key)
    .update(`${r.id}.${r.timestamp}.${r.body}`)
    .digest('base64')
  return r.signature.split(' ').some((part) => {
    const [version, sig] = part.split(',')
    if (version !== 'v1' || sig === undefined) return false
    const a = Buffer.from(sig)
    const b = Buffer.from(expected)
    return a.length === b.length && timingSafeEqual(a, b)
  })
}
