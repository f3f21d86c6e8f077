// `node --import tsx bench/pglite-open.ts <data dir>`: how long PGlite alone takes to open an
// existing store, with the options `herald serve` gives it (fsync on, 64 MB of shared buffers),
// timed inside the process (so neither Node's nor tsx's start is in it). Prints the milliseconds.
// Part of `npm run bench -- --startup` (startup.ts).
import { PGlite } from '@electric-sql/pglite'
import { pgliteOptions } from '../src/storage/pglite-durable.ts'

const dir = process.argv[2]
if (!dir) throw new Error('usage: pglite-open.ts <PGlite data directory>')
const t0 = performance.now()
const db = new PGlite(pgliteOptions(dir, true, 64))
await db.waitReady
await db.query('SELECT 1')
const ms = performance.now() - t0
await db.close()
process.stdout.write(`${ms.toFixed(1)}\n`)
