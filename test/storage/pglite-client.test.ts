import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { openStorage } from '../../src/storage/db.ts'
import { openPglite } from '../../src/storage/pglite-client.ts'

// `herald serve` starts PGlite's worker before it loads the server (cli.ts) and hands it to
// buildHerald, which opens the store on it rather than on a worker of its own.
const options = { fsync: false, sharedBuffersMb: 16 }

test('a store opens on the worker started for it', async () => {
  const pglite = openPglite({ dataDir: 'memory://early', ...options })
  const storage = await openStorage({ url: 'memory://early', pglite })
  try {
    const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(storage.db)
    assert.deepEqual(rows, [{ one: 1 }])
  } finally {
    await storage.close()
  }
})

test('a worker started on another store is refused and ended', async () => {
  const pglite = openPglite({ dataDir: 'memory://one', ...options })
  await assert.rejects(
    openStorage({ url: 'memory://two', pglite }),
    /opened memory:\/\/one, not memory:\/\/two/,
  )
  // Ended: a query on it finds the store gone.
  await assert.rejects((await pglite).send('query', 'SELECT 1'), { code: 'UNAVAILABLE' })
})
