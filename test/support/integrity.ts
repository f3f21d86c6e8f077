import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { amcheck } from '@electric-sql/pglite/contrib/amcheck'

export interface Integrity {
  /** B-tree indexes of the per-user tables verified by amcheck, heap tuples included. */
  indexes: number
  notifications: number
  /** Primary keys held by more than one row, read from the heap with index scans off. */
  duplicateKeys: number
  /** Rows counted through the primary-key index and by a sequential scan. */
  byIndex: number
  bySeqScan: number
}

const TABLES = ['notifications', 'messages', 'idempotency_keys']

const count = async (db: PGlite, text: string): Promise<number> =>
  Number((await db.query<{ n: string | number }>(text)).rows[0]?.n ?? -1)

/**
 * Opens an embedded store's files (no server may be running on them) and checks them: amcheck's
 * `bt_index_check` with `heapallindexed` on every B-tree index of the per-user tables, duplicate
 * primary keys, and the row count by index scan against the count by sequential scan.
 */
export async function checkEmbeddedStore(dataDir: string): Promise<Integrity> {
  const db = new PGlite(join(dataDir, 'pglite'), { extensions: { amcheck } })
  try {
    await db.query('CREATE EXTENSION IF NOT EXISTS amcheck')
    const checked = await db.query(
      `SELECT bt_index_check(c.oid, true) FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
        WHERE a.amname = 'btree' AND i.indrelid::regclass::text = ANY($1)`,
      [TABLES],
    )
    await db.exec(
      'SET enable_indexscan = off; SET enable_indexonlyscan = off; SET enable_bitmapscan = off',
    )
    const duplicateKeys = await count(
      db,
      'SELECT count(*) AS n FROM (SELECT 1 FROM notifications GROUP BY tenant_id, id HAVING count(*) > 1) d',
    )
    const bySeqScan = await count(db, 'SELECT count(*) AS n FROM notifications')
    await db.exec(
      'SET enable_seqscan = off; SET enable_indexonlyscan = on; SET enable_indexscan = on',
    )
    const byIndex = await count(db, "SELECT count(*) AS n FROM notifications WHERE tenant_id >= ''")
    return {
      indexes: checked.rows.length,
      notifications: bySeqScan,
      duplicateKeys,
      byIndex,
      bySeqScan,
    }
  } finally {
    await db.close()
  }
}
