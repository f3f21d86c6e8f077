import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { HeraldError } from '../core/errors.ts'
import type { Principal } from '../core/notification.ts'

const PREFIX = 'hk_'
const hash = (secret: string) => createHash('sha256').update(secret).digest('hex')

/** Where server API keys are kept: their hashes only. Storage implements it. */
export interface ApiKeyStore {
  /** Stores a new key, creating its tenant if it has none yet. */
  insert(key: { id: string; tenantId: string; hash: string; name: string | null }): Promise<void>
  find(id: string): Promise<{ tenantId: string; hash: string } | null>
}

export const looksLikeApiKey = (credential: string): boolean => credential.startsWith(PREFIX)

/** Creates a server API key for a tenant; the key is returned once and only its hash is kept. */
export async function createApiKey(keys: ApiKeyStore, tenantId: string, name: string | null) {
  const id = randomBytes(9).toString('base64url')
  const secret = randomBytes(32).toString('base64url')
  await keys.insert({ id, tenantId, hash: hash(secret), name })
  return { id, key: `${PREFIX}${id}.${secret}` }
}

/** Resolves a server API key to its tenant's server principal; UNAUTHENTICATED otherwise. */
export async function verifyApiKey(keys: ApiKeyStore, key: string): Promise<Principal> {
  const fail = new HeraldError('UNAUTHENTICATED', 'API key is not valid')
  const dot = key.indexOf('.')
  if (!key.startsWith(PREFIX) || dot < 0) throw fail
  const found = await keys.find(key.slice(PREFIX.length, dot))
  const given = Buffer.from(hash(key.slice(dot + 1)), 'hex')
  const expected = Buffer.from(found?.hash ?? '0'.repeat(64), 'hex')
  if (!found || given.length !== expected.length || !timingSafeEqual(given, expected)) throw fail
  return {
    tenantId: found.tenantId,
    userId: null,
    roles: ['server'],
    scopes: [],
    kind: 'server',
    keyId: key.slice(PREFIX.length, dot),
  }
}
