import assert from 'node:assert/strict'
import { test } from 'node:test'
import pg from 'pg'
import { withCpu } from '../../bench/cpu.ts'
import type { BenchResult } from '../../bench/report.ts'
import { cpuCeiling, cpuCeilingOverBaseline } from '../../bench/report.ts'
import { PG_URL, skipWithoutPostgres } from '../support/harness.ts'

/** Keeps this thread busy until it has used `ms` of CPU time. */
const spin = (ms: number) => {
  const start = process.cpuUsage()
  for (;;) {
    const used = process.cpuUsage(start)
    if ((used.user + used.system) / 1000 >= ms) return
  }
}

test("a measured run reads its own and the server's CPU time, per request", async () => {
  const r = await withCpu({ serverPid: process.pid }, async () => {
    spin(300)
    return { requests: 10 }
  })
  // 300 ms over 10 requests; /proc counts in 10 ms ticks.
  assert.ok(r.cpu && r.cpu.load >= 29, `load: ${r.cpu?.load}`)
  assert.ok(r.cpu?.server !== undefined && r.cpu.server >= 25, `server: ${r.cpu?.server}`)
  assert.equal(r.cpu?.database, undefined)
})

test('a run without a watch reads nothing', async () => {
  const r = await withCpu(undefined, async () => ({ requests: 1 }))
  assert.equal('cpu' in r, false)
})

test("a measured run reads the CPU time of its connections' PostgreSQL backends [postgres]", {
  skip: skipWithoutPostgres,
}, async () => {
  const appName = `herald-cpu-test-${process.pid}`
  const c = new pg.Client({ connectionString: PG_URL, application_name: appName })
  await c.connect()
  try {
    const r = await withCpu({ pgUrl: PG_URL, appName }, async () => {
      // Some 100 ms and more of the backend's CPU, however fast the machine.
      await c.query('SELECT count(*) FROM generate_series(1, 5000000)')
      return { requests: 1 }
    })
    assert.ok(r.cpu?.database !== undefined && r.cpu.database >= 50, `db: ${r.cpu?.database}`)
  } finally {
    await c.end()
  }
})

test('the CPU ceiling: the raw row over the least a server could add to it', () => {
  const r = {
    endpoints: {
      baseline: { requests: 1, rps: 1, p50: 1, p99: 1, bad: 0, cpu: { load: 0.06, server: 0.1 } },
      unreadCount: {
        ...{ requests: 1, rps: 1, p50: 1, p99: 1, bad: 0 },
        cpu: { load: 0.4, server: 1.2, database: 0.5 },
      },
    },
    raw: {
      unreadCount: {
        ...{ requests: 1, rps: 1, p50: 1, p99: 1, bad: 0, statements: [] },
        cpu: { load: 0.2, database: 0.3 },
      },
    },
  } as unknown as BenchResult
  // (0.2 + 0.3) / (0.1 + 0.2 + 0.5 + 0.4)
  assert.ok(Math.abs(cpuCeiling(r, 'unreadCount') - 0.5 / 1.2) < 1e-9)
  assert.ok(Number.isNaN(cpuCeiling(r, 'firstPage')))
  // Against the trivial route: (0.1 + 0.06) / (0.1 + 0.5 + 0.4)
  assert.ok(Math.abs(cpuCeilingOverBaseline(r, 'unreadCount') - 0.16 / 1.0) < 1e-9)
  // On PGlite the store's time is the server's own: no bound can be set apart.
  const lite = structuredClone(r)
  delete lite.endpoints.unreadCount?.cpu?.database
  assert.ok(Number.isNaN(cpuCeilingOverBaseline(lite, 'unreadCount')))
})
