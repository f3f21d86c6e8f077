import assert from 'node:assert/strict'
import type { MintOptions } from '../../src/auth/tokens.ts'
import { sendOne, type TestHerald } from './harness.ts'

export interface WorldOptions<U extends string> {
  /** The tenant id; a fresh one by default (Ondi's tenants are UUIDs, so its tests pass one). */
  tenant?: string
  /** Users to mint a token for up front, in `tokens`. */
  users?: U[]
  /** Users to register through PUT /v1/users, by id, with their profile; they get tokens too. */
  profiles?: Partial<Record<U, Record<string, unknown>>>
  /** What every seeded notification carries unless `seed` is told otherwise (type, title, ...). */
  notification?: Record<string, unknown>
}

/** One tenant as a test sees it: its producer key, its users' tokens, and ways to fill it. */
export interface World<U extends string = string> {
  tenant: string
  /** A server API key of the tenant, made for this world. */
  key: string
  /** A user token per user named in `users` or `profiles`. */
  tokens: Record<U, string>
  /** Mints a token of this tenant for any user, with any claims. */
  token(user: string, claims?: Omit<MintOptions, 'tenant' | 'user'>): Promise<string>
  /** Registers or updates a user through the producer API (failing the test unless it is 200). */
  putUser(id: string, profile: Record<string, unknown>): Promise<void>
  /** Sends one notification to `to` through the producer API and returns it as created. */
  seed(to: string, body?: Record<string, unknown>): Promise<{ id: number; uuid: string }>
}

/**
 * Builds a tenant with a producer key, registered users and their tokens.
 *
 * @example
 * const w = await world(h, { users: ['alice', 'bob'], notification: { type: 'x', title: 'T' } })
 * const { id } = await w.seed('alice')
 */
export async function world<U extends string = never>(
  h: TestHerald,
  o: WorldOptions<U> = {},
): Promise<World<U>> {
  const tenant = o.tenant ?? h.tenant()
  const key = await h.apiKey(tenant)
  const token: World['token'] = (user, claims = {}) => h.token({ ...claims, tenant, user })
  const putUser: World['putUser'] = async (id, profile) => {
    const res = await h.app.inject({
      method: 'PUT',
      url: `/v1/users/${id}`,
      headers: { authorization: `Bearer ${key}` },
      payload: profile,
    })
    assert.equal(res.statusCode, 200, res.body)
  }
  const profiles = Object.entries(o.profiles ?? {}) as Array<[U, Record<string, unknown>]>
  for (const [id, profile] of profiles) await putUser(id, profile)
  const tokens = {} as Record<U, string>
  for (const id of [...(o.users ?? []), ...profiles.map(([id]) => id)]) tokens[id] = await token(id)
  const seed: World['seed'] = (to, body = {}) => sendOne(h, key, to, { ...o.notification, ...body })
  return { tenant, key, tokens, token, putUser, seed }
}
