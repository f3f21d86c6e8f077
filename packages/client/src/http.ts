import { errorOf } from './errors.ts'

/** A token, or a function giving one for each request (so it can be refreshed). */
export type Credential = string | (() => string | Promise<string>)
export type Query = Record<string, string | number | boolean | null | undefined>

export interface CallInit {
  query?: Query
  body?: unknown
  headers?: Record<string, string>
  signal?: AbortSignal
}

export interface Transport {
  /**
   * Answers the parsed JSON body (undefined for 204); throws HeraldApiError outside 2xx. A GET
   * whose last answer carried an ETag is sent with If-None-Match, and its 304 answers that
   * answer's body again.
   */
  call<T>(method: string, path: string, init?: CallInit): Promise<T>
  /** The raw response of an authenticated request, whatever its status. */
  fetch(method: string, path: string, init?: CallInit): Promise<Response>
  /** The server's last X-Poll-Interval, in ms (null before any pollable answer). */
  pollIntervalMs(): number | null
}

/** Answers kept for conditional GETs, by URL: the last ones asked for stay. */
const KEPT_MAX = 32

export const segment = (v: string | number) => encodeURIComponent(String(v))

function search(query: Query | undefined): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null) q.set(k, String(v))
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}

/** Authenticated JSON requests to one Herald. */
export function createTransport(
  baseUrl: string,
  credential: Credential,
  fetchImpl?: typeof fetch,
  /** Sent with every request (the tenant a user in several acts in). */
  always: Record<string, string> = {},
): Transport {
  const base = baseUrl.replace(/\/+$/, '')
  const f = fetchImpl ?? globalThis.fetch
  const send = async (method: string, path: string, init: CallInit = {}) => {
    const token = typeof credential === 'function' ? await credential() : credential
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      ...always,
      ...init.headers,
    }
    const hasBody = init.body !== undefined
    if (hasBody) headers['content-type'] = 'application/json'
    // Called on globalThis: a browser's own fetch refuses any other `this`.
    return f.call(globalThis, `${base}${path}${search(init.query)}`, {
      method,
      headers,
      body: hasBody ? JSON.stringify(init.body) : undefined,
      signal: init.signal,
    })
  }
  // An answer with an ETag, kept as its text so every 304 hands out a fresh copy. Browsers do
  // not revalidate answers sent with Cache-Control: no-store, so the client does it itself.
  const kept = new Map<string, { etag: string; text: string }>()
  let pollMs: number | null = null
  const conditional = async (url: string, path: string, init: CallInit) => {
    const held = kept.get(url)
    const headers = held ? { ...init.headers, 'if-none-match': held.etag } : init.headers
    const res = await send('GET', path, { ...init, headers })
    const hint = Number(res.headers.get('x-poll-interval'))
    if (hint > 0) pollMs = hint * 1000
    if (res.status === 304 && held) {
      kept.delete(url)
      kept.set(url, held)
      return held.text
    }
    kept.delete(url)
    if (!res.ok) throw await errorOf(res)
    const text = await res.text()
    const etag = res.headers.get('etag')
    if (etag) {
      kept.set(url, { etag, text })
      if (kept.size > KEPT_MAX) kept.delete(kept.keys().next().value as string)
    }
    return text
  }
  return {
    fetch: send,
    async call<T>(method: string, path: string, init: CallInit = {}): Promise<T> {
      let text: string
      if (method === 'GET') {
        text = await conditional(`${path}${search(init.query)}`, path, init)
      } else {
        const res = await send(method, path, init)
        if (!res.ok) throw await errorOf(res)
        text = res.status === 204 ? '' : await res.text()
      }
      return (text ? JSON.parse(text) : undefined) as T
    },
    pollIntervalMs: () => pollMs,
  }
}
