import { PGlite } from '@electric-sql/pglite'
const t0 = performance.now()
const db = new PGlite({ dataDir: '/tmp/st/data/pglite' })
await db.waitReady
const t1 = performance.now()
await db.query('select 1')
console.log('open', Math.round(t1 - t0), 'ms; first q', Math.round(performance.now() - t1))
await db.close()
console.log('total', Math.round(performance.now() - t0))
