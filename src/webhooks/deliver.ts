import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import type { LookupFunction } from 'node:net'
import { isPrivateAddress, literalAddress } from '../core/webhook-url.ts'
import { sign } from './sign.ts'

/** Bytes of a receiver's answer read at most; the rest is never read (the socket is closed). */
export const RESPONSE_READ_MAX = 4096

export interface AttemptSettings {
  timeoutMs: number
  allowPrivate: boolean
}

/** An attempt's result: the receiver's status, or why there was none. */
export type AttemptResult = { ok: boolean; status: number | null; error: string | null }

const NOT_ALLOWED = 'the endpoint resolves to a private address, which this server does not call'

/** Resolves as usual, but refuses a name that resolves to a private address (checked per call). */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options }, (err, address, family) => {
    if (err) return callback(err, address as string, family)
    const list = Array.isArray(address)
      ? (address as LookupAddress[]).map((a) => a.address)
      : [address as string]
    if (list.some(isPrivateAddress)) {
      return callback(Object.assign(new Error(NOT_ALLOWED), { code: 'EPRIVATE' }), '', 0)
    }
    callback(null, address as string, family)
  })
}

/**
 * Kept-alive connections: a healthy receiver gets one connection per concurrent delivery, not one
 * per delivery. The worker's concurrency bounds the sockets.
 */
export const createAgents = () => ({
  http: new HttpAgent({ keepAlive: true }),
  https: new HttpsAgent({ keepAlive: true }),
})

export type Agents = ReturnType<typeof createAgents>

/** Reads the answer up to RESPONSE_READ_MAX bytes, then lets go of it. */
function drain(res: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    let read = 0
    res.on('data', (chunk: Buffer) => {
      read += chunk.length
      if (read > RESPONSE_READ_MAX) {
        res.destroy()
        resolve()
      }
    })
    res.on('end', resolve)
    res.on('error', () => resolve())
    res.on('close', resolve)
  })
}

/**
 * One signed POST of `body` to `url`, ended after `timeoutMs` whatever the receiver does
 * (connecting, answering, or dribbling its answer). 2xx is success; anything else, an error or
 * a timeout is a failure to retry.
 */
export function attempt(
  d: { url: string; secret: string; messageId: string; body: string },
  s: AttemptSettings,
  agents: Agents,
  now = Date.now(),
): Promise<AttemptResult> {
  const url = new URL(d.url)
  const address = literalAddress(url.hostname)
  if (!s.allowPrivate && (url.hostname === 'localhost' || (address && isPrivateAddress(address)))) {
    return Promise.resolve({ ok: false, status: null, error: NOT_ALLOWED })
  }
  const timestamp = Math.floor(now / 1000)
  const https = url.protocol === 'https:'
  return new Promise((resolve) => {
    let settled = false
    const done = (r: AttemptResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(r)
    }
    const req = (https ? httpsRequest : httpRequest)(url, {
      method: 'POST',
      agent: https ? agents.https : agents.http,
      lookup: s.allowPrivate ? undefined : guardedLookup,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Herald-Webhooks/1',
        'webhook-id': d.messageId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': sign(d.secret, d.messageId, timestamp, d.body),
      },
    })
    const timer = setTimeout(() => {
      req.destroy()
      done({ ok: false, status: null, error: `no answer within ${s.timeoutMs} ms` })
    }, s.timeoutMs)
    req.on('response', (res) => {
      const status = res.statusCode ?? 0
      drain(res).then(() =>
        done({
          ok: status >= 200 && status < 300,
          status,
          error: status >= 200 && status < 300 ? null : `HTTP ${status}`,
        }),
      )
    })
    req.on('error', (err: Error & { code?: string }) =>
      done({ ok: false, status: null, error: (err.code ? `${err.code}: ` : '') + err.message }),
    )
    req.end(d.body)
  })
}
