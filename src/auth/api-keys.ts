import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { HeraldError } from '../core/errors.ts'
import type { Principal } from '../core/notification.ts'
import type { Store } from '../core/store.ts'

const PREFIX = 'hk_'
const hash = (secret: string) => createHash('sha256').update(secret).digest('hex')

export const looksLikeApiKey = (credential: string): boolean => credential.startsWith(PREFIX)

/** Creates a server API key for a tenant; the key is returned once and only its hash is kept. */
export async function createApiKey(store: Store, tenantId: string, name: string | null = null) {
  const id = randomBytes(9).toString('base64url')
  const secret = randomBytes(32).toString('base64url')
  await store.ensureTenant(tenantId)
  await store.createApiKey({ id, tenantId, hash: hash(secret), name })
  return { id, key: `${PREFIX}${id}.${secret}` }
}

/** Resolves a server API key to its tenant's server principal; UNAUTHENTICATED otherwise. */
export async function verifyApiKey(store: Store, key: string): Promise<Principal> {
  const fail = new HeraldError('UNAUTHENTICATED', 'API key is not valid')
  const dot = key.indexOf('.')
  if (!key.startsWith(PREFIX) || dot < 0) throw fail
  const found = await store.findApiKey(key.slice(PREFIX.length, dot))
  const given = Buffer.from(hash(key.slice(dot + 1)), 'hex')
  const expected = Buffer.from(found?.hash ?? '0'.repeat(64), 'hex')
  if (!found || given.length !== expected.length || !timingSafeEqual(given, expected)) throw fail
  return { tenantId: found.tenantId, userId: null, roles: ['server'], scopes: [], kind: 'server' }
}
