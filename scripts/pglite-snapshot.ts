// Writes a migrated, empty embedded store to a file, so each test suite starts PGlite from it
// instead of running initdb and the migrations again (seconds per suite on a busy machine).
// Usage: node --import tsx scripts/pglite-snapshot.ts <file>
import { writeFile } from 'node:fs/promises'
import { migrate, openStorage } from '../src/storage/db.ts'

const file = process.argv[2]
if (!file) throw new Error('usage: pglite-snapshot.ts <file>')
const storage = await openStorage({ url: 'memory://' })
await migrate(storage.db)
if (!storage.dump) throw new Error('the embedded store cannot dump')
await writeFile(file, await storage.dump())
await storage.close()
