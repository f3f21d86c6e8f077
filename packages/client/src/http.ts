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
  /** Answers the parsed JSON body (undefined for 204); throws HeraldApiError outside 2xx. */
  call<T>(method: string, path: string, init?: CallInit): Promise<T>
  /** The raw response of an authenticated request, whatever its status. */
  fetch(method: string, path: string, init?: CallInit): Promise<Response>
}

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
  return {
    fetch: send,
    async call<T>(method: string, path: string, init?: CallInit): Promise<T> {
      const res = await send(method, path, init)
      if (!res.ok) throw await errorOf(res)
      const text = res.status === 204 ? '' : await res.text()
      return (text ? JSON.parse(text) : undefined) as T
    },
  }
}
