import type { TestHerald } from './harness.ts'
import { world as tenantWorld } from './world.ts'

export const P = '/compat/tasking-manager/api/v2/notifications'
export const DAY = 24 * 3600 * 1000

interface Req {
  method?: 'GET' | 'POST' | 'DELETE' | 'PUT'
  payload?: unknown
  headers?: Record<string, string>
}

/** A tenant with a producer key, and TM-credentialed requests as any of its users. */
export async function world(h: TestHerald) {
  const w = await tenantWorld(h, { notification: { type: 'system', title: 'T' } })
  const as = async (user: string) => {
    const jwt = await w.token(user)
    const authorization = `Token ${Buffer.from(jwt).toString('base64')}`
    return async (path: string, o: Req = {}) => {
      const res = await h.app.inject({
        method: o.method ?? 'GET',
        url: `${P}${path}`,
        headers: { authorization, ...o.headers },
        ...(o.payload === undefined ? {} : { payload: o.payload as string }),
      })
      return {
        status: res.statusCode,
        body: res.body,
        json: () => res.json(),
        headers: res.headers,
      }
    }
  }
  /** Sends one notification to `to` and returns its numeric id. */
  const push = async (to: string, body: Record<string, unknown> = {}) => (await w.seed(to, body)).id
  return { tenant: w.tenant, as, push }
}
