import assert from 'node:assert/strict'
import type { TestHerald } from './harness.ts'

/** A notification as the native API lists it, the members the inbox tests read. */
export interface Item {
  id: number
  uuid: string
  type: string
  read: boolean
  seen: boolean
  dismissed: boolean
  readAt: string | null
  seenAt: string | null
  createdAt: string
}

/**
 * One user's calls to the native inbox API, in process (`inject`), each asserting a 200 and
 * returning the parsed answer.
 */
export const nativeUser = (h: TestHerald, token: string) => {
  const headers = { authorization: `Bearer ${token}` }
  return {
    list: async (query = ''): Promise<Item[]> => {
      const res = await h.app.inject({ url: `/v1/me/notifications?limit=100${query}`, headers })
      assert.equal(res.statusCode, 200, res.body)
      return res.json().items
    },
    get: async (id: number): Promise<Item> => {
      const res = await h.app.inject({ url: `/v1/me/notifications/${id}`, headers })
      assert.equal(res.statusCode, 200, res.body)
      return res.json()
    },
    counts: async (query = '') => {
      const res = await h.app.inject({ url: `/v1/me/counts${query}`, headers })
      assert.equal(res.statusCode, 200, res.body)
      return res.json() as {
        counts: Record<string, number>
        capped: Record<string, boolean>
      }
    },
    bulk: async (payload: object) => {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/me/notifications/bulk',
        headers,
        payload,
      })
      assert.equal(res.statusCode, 200, res.body)
      return res.json() as { changed: number; capped: boolean; notFound: unknown[] }
    },
    act: async (id: number, action: string, payload?: object) => {
      const res = await h.app.inject({
        method: 'POST',
        url: `/v1/me/notifications/${id}/${action}`,
        headers,
        ...(payload ? { payload } : {}),
      })
      assert.equal(res.statusCode, 200, res.body)
      return res.json() as Item
    },
  }
}
