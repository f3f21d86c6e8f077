import { HeraldError } from '../core/errors.ts'
import type { Principal } from '../core/notification.ts'

/** A fixed-window counter: how many hits a key had in the current window. */
export interface RateCounter {
  /** Counts one hit; returns the window's count so far and the milliseconds until it ends. */
  hit(key: string): Promise<Window>
  /** The window's count without counting. */
  peek(key: string): Promise<Window>
  close(): Promise<void>
}
export interface Window {
  count: number
  resetMs: number
}

/**
 * In-process counters, at most `maxKeys` of them: past that, finished windows are dropped first,
 * then the oldest. Principals and addresses are counted in separate instances, so addresses
 * (which garbage requests can vary) can never push a limited principal out.
 */
export function memoryCounter(windowMs: number, maxKeys = 100_000): RateCounter {
  const windows = new Map<string, { count: number; resetAt: number }>()
  const current = (key: string, now: number) => {
    const w = windows.get(key)
    return w && w.resetAt > now ? w : null
  }
  const evict = (now: number) => {
    for (const [k, w] of windows) if (w.resetAt <= now) windows.delete(k)
    for (const k of windows.keys()) {
      if (windows.size < maxKeys) break
      windows.delete(k)
    }
  }
  return {
    async hit(key) {
      const now = Date.now()
      let w = current(key, now)
      if (!w) {
        if (windows.size >= maxKeys) evict(now)
        w = { count: 0, resetAt: now + windowMs }
        windows.delete(key)
        windows.set(key, w)
      }
      w.count++
      return { count: w.count, resetMs: w.resetAt - now }
    },
    async peek(key) {
      const now = Date.now()
      const w = current(key, now)
      return w ? { count: w.count, resetMs: w.resetAt - now } : { count: 0, resetMs: 0 }
    },
    async close() {},
  }
}

export function principalKey(p: Principal): string {
  if (p.kind === 'user') return `u:${p.tenantId}\u0000${p.userId}`
  return p.keyId ? `k:${p.keyId}` : `o:${p.tenantId}`
}

export interface LimiterOptions {
  principals: RateCounter
  addresses: RateCounter
  /** Requests per user per window. */
  perPrincipal: number
  /**
   * Requests per producer (an API key, or an operator token's tenant) per window: a backend
   * sending for every user of an application needs far more than one person clicking.
   */
  perProducer: number
  /** Failed authentications per client address per window. */
  perAddress: number
}

const limited = (resetMs: number) =>
  new HeraldError('RATE_LIMITED', 'too many requests; slow down', {
    retryAfter: Math.max(1, Math.ceil(resetMs / 1000)),
  })

/** The two layers: failed authentications by address, then requests by principal. */
export function createLimiter(o: LimiterOptions) {
  return {
    /** Before verifying a credential: RATE_LIMITED once the address has failed too often. */
    async checkAddress(address: string): Promise<void> {
      const w = await o.addresses.peek(`a:${address}`)
      if (w.count >= o.perAddress) throw limited(w.resetMs)
    },
    /** Counts one failed authentication of the address. */
    async failed(address: string): Promise<void> {
      await o.addresses.hit(`a:${address}`)
    },
    /** Counts one request of the principal; RATE_LIMITED past its kind's limit. */
    async admit(p: Principal): Promise<void> {
      const w = await o.principals.hit(principalKey(p))
      if (w.count > (p.kind === 'user' ? o.perPrincipal : o.perProducer)) throw limited(w.resetMs)
    },
    async close() {
      await Promise.all([o.principals.close(), o.addresses.close()])
    },
  }
}

export type Limiter = ReturnType<typeof createLimiter>
