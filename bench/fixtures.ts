import { sql } from 'kysely'
import { encodeCursor } from '../src/core/cursor.ts'
import type { SeedSize } from './seed.ts'
import { HEAVY_USER, TENANT, userId } from './seed.ts'
import type { BenchServer } from './server.ts'

/** What the load runs need: credentials, ids to act on, and cursors at fixed depths. */
export interface Fixtures {
  /** A random sample of ordinary users, each with a token. */
  tokens: Array<{ user: string; token: string }>
  heavyToken: string
  apiKey: string
  /**
   * Unread notifications of the sampled users, to mark read one at a time: the even-numbered
   * ones over HTTP, the odd-numbered ones by the raw statements (so neither finds the other's
   * already read).
   */
  unread: Array<{ id: number; user: string; token: string }>
  /** The heavy user's cursor after `deep` items, and after `peerPage - 1` pages of 20. */
  deepCursor: string
  peerCursor: string
  deep: number
  peerPage: number
  /** Created-at bound under which the heavy user has exactly `deleteCount` notifications. */
  deleteBefore: string
  deleteCount: number
}

async function cursorAfter(s: BenchServer, items: number): Promise<{ at: Date; id: number }> {
  const { rows } = await sql<{ created_at: Date; id: number }>`SELECT created_at, id
    FROM notifications WHERE tenant_id = ${TENANT} AND recipient_id = ${HEAVY_USER}
    ORDER BY created_at DESC, id DESC OFFSET ${items - 1} LIMIT 1`.execute(s.herald.storage.db)
  const row = rows[0]
  if (!row) throw new Error(`the heavy user has fewer than ${items} notifications`)
  return { at: new Date(row.created_at), id: Number(row.id) }
}

export async function prepareFixtures(
  s: BenchServer,
  size: SeedSize,
  sample: number,
): Promise<Fixtures> {
  const db = s.herald.storage.db
  const picked = new Set<number>()
  while (picked.size < Math.min(sample, size.users - 1)) {
    picked.add(1 + Math.floor(Math.random() * (size.users - 1)))
  }
  const users = [...picked].map(userId)
  const tokens = await Promise.all(
    users.map(async (user) => ({ user, token: await s.token(user) })),
  )
  const byUser = new Map(tokens.map((t) => [t.user, t.token]))
  const { rows } = await sql<{ id: number; recipient_id: string }>`SELECT id, recipient_id
    FROM notifications WHERE tenant_id = ${TENANT} AND recipient_id = ANY(${users}::text[])
      AND read_at IS NULL AND archived_at IS NULL`.execute(db)
  const unread = rows.map((r) => ({
    id: Number(r.id),
    user: r.recipient_id,
    token: byUser.get(r.recipient_id) ?? '',
  }))
  const deep = Math.min(10_000, Math.floor(size.heavy / 2))
  const peerPage = Math.min(1_000, Math.floor(size.heavy / 40))
  const deleteCount = Math.min(10_000, Math.floor(size.heavy / 10))
  const oldest = await sql<{ created_at: Date }>`SELECT created_at FROM notifications
    WHERE tenant_id = ${TENANT} AND recipient_id = ${HEAVY_USER}
    ORDER BY created_at, id OFFSET ${deleteCount} LIMIT 1`.execute(db)
  const bound = oldest.rows[0]?.created_at
  if (!bound) throw new Error('the heavy user has too few notifications to delete from')
  return {
    tokens,
    heavyToken: await s.token(HEAVY_USER),
    apiKey: (await s.herald.auth.createApiKey(TENANT, 'bench')).key,
    unread,
    deepCursor: encodeCursor(await cursorAfter(s, deep)),
    peerCursor: encodeCursor(await cursorAfter(s, (peerPage - 1) * 20)),
    deep,
    peerPage,
    deleteBefore: new Date(bound).toISOString(),
    deleteCount,
  }
}
