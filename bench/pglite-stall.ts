// Measures what one slow query on the embedded store does to other requests: the event loop (and
// so /healthz and every request that does not touch the store) must stay responsive, because
// PGlite runs in a worker thread. Prints latencies while idle and while a slow query runs.
// Usage: node --import tsx bench/pglite-stall.ts
import { sql } from 'kysely'
import { loadConfig } from '../src/config.ts'
import { buildHerald } from '../src/server.ts'
import { quantile } from './load.ts'

const herald = await buildHerald({
  config: loadConfig({ DATABASE_URL: 'memory://', HERALD_JWT_SECRET: 'x'.repeat(32) }),
})
const base = await herald.app.listen({ host: '127.0.0.1', port: 0 })

async function probe(path: string, ms: number): Promise<number[]> {
  const out: number[] = []
  const end = Date.now() + ms
  while (Date.now() < end) {
    const t = performance.now()
    await fetch(`${base}${path}`)
    out.push(performance.now() - t)
  }
  return out
}

const row = (label: string, xs: number[]) =>
  console.log(
    `${label.padEnd(34)} n=${String(xs.length).padStart(5)}  p50=${quantile(xs, 0.5).toFixed(2)}ms  p99=${quantile(xs, 0.99).toFixed(2)}ms  max=${Math.max(...xs).toFixed(1)}ms`,
  )

row('/healthz, idle', await probe('/healthz', 2000))
row('/readyz (one query), idle', await probe('/readyz', 2000))

const started = performance.now()
const slow = sql`SELECT count(*) FROM generate_series(1, 3000000)`.execute(herald.storage.db)
const during = await probe('/healthz', 1500)
const ready = performance.now()
await fetch(`${base}/readyz`)
const readyWait = performance.now() - ready
await slow
row('/healthz, during a slow query', during)
console.log(`slow query took ${(performance.now() - started).toFixed(0)}ms`)
console.log(`/readyz started during it waited ${readyWait.toFixed(0)}ms (PGlite has one session)`)
await herald.close()
