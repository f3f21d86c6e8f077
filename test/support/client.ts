import { before } from 'node:test'
import { createHeraldClient, createHeraldServerClient } from '@herald/client'
import type { TestHerald } from './harness.ts'

/**
 * Listens on the suite's Herald once (a real port, for the client's real fetch) and makes
 * clients for it. Call it at the top of a `describeEngines` body.
 */
export function clientWorld(get: () => TestHerald) {
  let base = ''
  before(async () => {
    base = await get().app.listen({ host: '127.0.0.1', port: 0 })
  })
  return {
    url: () => base,
    /** A fresh tenant with a producer client and a user client for `user` in it. */
    async tenant(user = 'alice', fetchImpl?: typeof fetch) {
      const h = get()
      const tenant = h.tenant()
      const apiKey = await h.apiKey(tenant)
      const token = await h.token({ tenant, user })
      return {
        tenant,
        token,
        server: createHeraldServerClient({ baseUrl: base, apiKey }),
        client: createHeraldClient({ baseUrl: base, token, fetch: fetchImpl }),
        clientFor: async (other: string, f?: typeof fetch) =>
          createHeraldClient({
            baseUrl: base,
            token: await h.token({ tenant, user: other }),
            fetch: f,
          }),
      }
    },
  }
}

/**
 * Records what a subscription's handlers receive, in order, and lets a test await the next
 * record that matches (each record is consumed once, so waits walk forward).
 */
export function recorder() {
  const seen: Array<{ kind: string; value: unknown }> = []
  let from = 0
  const waiting = new Set<() => void>()
  const push = (kind: string) => (value?: unknown) => {
    seen.push({ kind, value })
    for (const w of waiting) w()
  }
  return {
    seen,
    handlers: {
      notification: push('notification'),
      counts: push('counts'),
      changed: push('changed'),
      reset: push('reset'),
      status: push('status'),
    },
    /** The next record of `kind` (matching `test`), from where the last wait stopped. */
    // biome-ignore lint/suspicious/noExplicitAny: a record's value is whatever its handler took
    next(kind: string, test: (v: any) => boolean = () => true): Promise<any> {
      return new Promise((resolve) => {
        const look = () => {
          for (let i = from; i < seen.length; i++) {
            const r = seen[i]
            if (r?.kind === kind && test(r.value)) {
              from = i + 1
              waiting.delete(look)
              resolve(r.value)
              return
            }
          }
        }
        waiting.add(look)
        look()
      })
    },
  }
}
