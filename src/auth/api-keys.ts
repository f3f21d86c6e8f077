import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { HeraldError } from '../core/errors.ts'
import type { Principal } from '../core/notification.ts'

const PREFIX = 'hk_'
const hash = (secret: string) => createHash('sha256').update(secret).digest('hex')

/** A key's last use is written at most this often: verification is not a write per request. */
export const LAST_USED_EVERY_MS = 60_000
/** How long a rotated key keeps working when the rotation does not say. */
export const DEFAULT_OVERLAP_S = 24 * 3600
/** The longest overlap a rotation may ask for. */
export const MAX_OVERLAP_S = 30 * 24 * 3600

/** What an operator sees of a key: never its secret or its hash. */
export interface ApiKeyInfo {
  id: string
  name: string | null
  createdAt: Date
  lastUsedAt: Date | null
  /** Set once the key was rotated: it stops working then. */
  expiresAt: Date | null
}

/** Where a page of keys ends: listing goes on after this key's creation time and id. */
export interface KeyPosition {
  createdAt: Date
  id: string
}

export type RotateOutcome =
  | { status: 'rotated'; name: string | null }
  | { status: 'missing' }
  | { status: 'retiring'; expiresAt: Date }

/** Where server API keys are kept: their hashes only. Storage implements it. */
export interface ApiKeyStore {
  /** Stores a new key, creating its tenant if it has none yet. */
  insert(key: {
    id: string
    tenantId: string
    hash: string
    name: string | null
    createdAt: Date
  }): Promise<void>
  find(id: string): Promise<{
    tenantId: string
    hash: string
    lastUsedAt: Date | null
    expiresAt: Date | null
  } | null>
  /** Records that the key was used at `at`, unless a use since `ifBefore` is recorded already. */
  touch(id: string, at: Date, ifBefore: Date): Promise<void>
  /** The tenant's keys still working at `now`, oldest first, after the position `after`. */
  list(tenantId: string, after: KeyPosition | null, limit: number, now: Date): Promise<ApiKeyInfo[]>
  /** Deletes the tenant's key if it still works at `now`; false when there is none such. */
  remove(tenantId: string, id: string, now: Date): Promise<boolean>
  /**
   * In one transaction: the tenant's key `id`, if not already rotated, now expires at `expiresAt`,
   * and `successor` is stored (under the old key's name when it has none). Keys of the tenant
   * that expired before `now` are deleted on the way.
   */
  rotate(
    tenantId: string,
    id: string,
    successor: { id: string; hash: string; name: string | null },
    now: Date,
    expiresAt: Date,
  ): Promise<RotateOutcome>
}

export const looksLikeApiKey = (credential: string): boolean => credential.startsWith(PREFIX)

/** The id of a key (`hk_<id>.<secret>`), or the text itself when it is not a key (an id). */
export function keyIdOf(keyOrId: string): string {
  const dot = keyOrId.indexOf('.')
  return looksLikeApiKey(keyOrId) && dot > 0 ? keyOrId.slice(PREFIX.length, dot) : keyOrId
}

/**
 * A key's id: 12 base64url characters, never starting with `-`, which a command line reads as an
 * option (`herald keys revoke --tenant T <id>` must take any id as it is printed).
 */
function newKeyId(): string {
  for (;;) {
    const id = randomBytes(9).toString('base64url')
    if (!id.startsWith('-')) return id
  }
}

export function newKey() {
  const id = newKeyId()
  const secret = randomBytes(32).toString('base64url')
  return { id, secretHash: hash(secret), key: `${PREFIX}${id}.${secret}` }
}

/** Creates a server API key for a tenant; the key is returned once and only its hash is kept. */
export async function createApiKey(
  keys: ApiKeyStore,
  tenantId: string,
  name: string | null,
  now: Date = new Date(),
) {
  const { id, secretHash, key } = newKey()
  await keys.insert({ id, tenantId, hash: secretHash, name, createdAt: now })
  return { id, key }
}

/**
 * Replaces a key with a new one (returned once); the old one keeps working for `overlapS`
 * seconds (0: not at all). NOT_FOUND for a key the tenant does not have; CONFLICT for one already
 * rotated, which has its successor.
 */
export async function rotateApiKey(
  keys: ApiKeyStore,
  tenantId: string,
  id: string,
  opts: { overlapS: number; name?: string | null; now: Date },
) {
  const next = newKey()
  const expiresAt = new Date(opts.now.getTime() + opts.overlapS * 1000)
  const successor = { id: next.id, hash: next.secretHash, name: opts.name ?? null }
  const out = await keys.rotate(tenantId, id, successor, opts.now, expiresAt)
  if (out.status === 'missing') throw new HeraldError('NOT_FOUND', 'API key not found')
  if (out.status === 'retiring') {
    throw new HeraldError('CONFLICT', 'this API key was already rotated', {
      expiresAt: out.expiresAt.toISOString(),
    })
  }
  return { id: next.id, key: next.key, previous: { id, expiresAt } }
}

/**
 * Resolves a server API key to its tenant's server principal, and until when it may be
 * remembered (never past its expiry); UNAUTHENTICATED otherwise. Records the key's use when the
 * last record is older than a minute.
 */
export async function verifyApiKey(
  keys: ApiKeyStore,
  key: string,
  now: Date,
): Promise<{ principal: Principal; expiresAt: Date | null }> {
  const fail = new HeraldError('UNAUTHENTICATED', 'API key is not valid')
  const dot = key.indexOf('.')
  if (!key.startsWith(PREFIX) || dot < 0) throw fail
  const id = key.slice(PREFIX.length, dot)
  const found = await keys.find(id)
  const given = Buffer.from(hash(key.slice(dot + 1)), 'hex')
  const expected = Buffer.from(found?.hash ?? '0'.repeat(64), 'hex')
  if (!found || given.length !== expected.length || !timingSafeEqual(given, expected)) throw fail
  if (found.expiresAt && found.expiresAt <= now) throw fail
  const stale = new Date(now.getTime() - LAST_USED_EVERY_MS)
  if (!found.lastUsedAt || found.lastUsedAt <= stale) {
    // A bookkeeping write (instances that missed at once make one of it): its failure must not
    // refuse a valid key.
    await keys.touch(id, now, stale).catch(() => {})
  }
  const principal: Principal = {
    tenantId: found.tenantId,
    userId: null,
    roles: ['server'],
    scopes: [],
    kind: 'server',
    keyId: id,
  }
  return { principal, expiresAt: found.expiresAt }
}
