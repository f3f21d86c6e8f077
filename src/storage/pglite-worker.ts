// Runs PGlite on its own thread: WASM queries are synchronous CPU work, and on the main thread one
// slow query would stall every request, health checks included.
import { readFile } from 'node:fs/promises'
import { parentPort, workerData } from 'node:worker_threads'
import { PGlite } from '@electric-sql/pglite'
import type { PgliteOptions } from './pglite-client.ts'
import { pgliteOptions } from './pglite-durable.ts'
import { preparedStatements } from './pglite-statements.ts'

interface Request {
  id: number
  op: 'query' | 'close' | 'dump'
  sql?: string
  params?: unknown[]
  keep?: boolean
}

// The options of pglite-client.ts: the worker thread's data, or, run as a program (initPglite),
// its argument.
const given = (parentPort ? workerData : JSON.parse(process.argv[2] ?? '{}')) as PgliteOptions
const options = pgliteOptions(
  String(given.dataDir),
  given.fsync === true,
  Number(given.sharedBuffersMb),
)

// Run as a program: creates the store, then exits, giving back all the memory that took.
if (!parentPort) {
  const created = new PGlite(options)
  await created.waitReady
  await created.close()
  process.exit(0)
}
const port = parentPort

// A snapshot (a dump of an already-migrated store) skips initdb, the slowest part of a start.
const snapshot = given.snapshot
const db = snapshot
  ? new PGlite({ ...options, loadDataDir: new Blob([await readFile(snapshot)]) })
  : new PGlite(options)

// Every statement with parameters runs as a named prepared statement, parsed once; those the
// store marks `keep` (the badge counts) may reuse one plan, the rest are planned for their values.
const prepared = preparedStatements(db)

/** Ends a transaction by undoing it (Kysely's rollback, or to a savepoint). */
const ROLLBACK = /^\s*rollback\b/i

port.on('message', async (req: Request) => {
  try {
    if (req.op === 'close') {
      await db.close()
      port.postMessage({ id: req.id, ok: true, rows: [] })
      return
    }
    if (req.op === 'dump') {
      const dump = new Uint8Array(await (await db.dumpDataDir('none')).arrayBuffer())
      port.postMessage({ id: req.id, ok: true, rows: [], dump })
      return
    }
    const sql = req.sql ?? ''
    const params = req.params ?? []
    if (ROLLBACK.test(sql)) prepared.forgetPlanMode()
    const res =
      params.length > 0
        ? await prepared.query(sql, params, req.keep === true)
        : await db.query(sql, params)
    if ('raw' in res) {
      // The answer's bytes go to the main thread, which reads them (pglite-wire.ts).
      port.postMessage({ id: req.id, ok: true, raw: res.raw })
      return
    }
    port.postMessage({ id: req.id, ok: true, rows: res.rows, affectedRows: res.affectedRows })
  } catch (err) {
    prepared.forgetPlanMode()
    const e = err as { message?: string; code?: string; detail?: string; constraint?: string }
    port.postMessage({
      id: req.id,
      ok: false,
      error: { message: e.message, code: e.code, detail: e.detail, constraint: e.constraint },
    })
  }
})

await db.waitReady
port.postMessage({ id: 0, ok: true, rows: [] })
