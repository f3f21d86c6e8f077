import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { once } from 'node:events'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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

// Creating a database grows PGlite's memory to about 800 MB, and a thread that did it leaves the
// process's native heaps holding about 100 MB when it ends (issue 9): a new store is created by a
// process of its own, which gives all of it back when it exits.
test('a new store is created in a process of its own, then served by the worker', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-pglite-init-'))
  const dataDir = join(dir, 'pglite')
  const spawned: ChildProcess[] = []
  const seen = (m: unknown) => spawned.push((m as { process: ChildProcess }).process)
  subscribe('child_process', seen)
  try {
    const pglite = openPglite({ dataDir, ...options })
    const storage = await openStorage({ url: dataDir, pglite })
    try {
      assert.ok(existsSync(join(dataDir, 'PG_VERSION')))
      const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(storage.db)
      assert.deepEqual(rows, [{ one: 1 }])
    } finally {
      await storage.close()
    }
    const args = spawned.map((p) => p.spawnargs)
    const creators = args.filter((a) => a.some((x) => /pglite-worker\.(ts|js)$/.test(x)))
    assert.equal(creators.length, 1, JSON.stringify(args))
  } finally {
    unsubscribe('child_process', seen)
    rmSync(dir, { recursive: true, force: true })
  }
})

// V8 recompiling PostgreSQL's busiest functions with its optimizing compiler held 55-120 MB of
// freed compiler memory in the threads' native heaps (issue 9): by default the store runs on the
// baseline compiler only. Seen from outside: V8's own trace of each function it compiles, in a
// process of its own that opens a store and runs a statement.
const compiledWith = async (optimize: boolean) => {
  const script = `
    const { openPglite } = await import(${JSON.stringify(new URL('../../src/storage/pglite-client.ts', import.meta.url).href)})
    const client = await openPglite({ dataDir: 'memory://compile', fsync: false, sharedBuffersMb: 16, optimize: ${optimize} })
    await client.send('query', 'SELECT count(*) FROM pg_class')
    await client.close()`
  const child = spawn(
    process.execPath,
    ['--trace-wasm-compilation-times', '--import', 'tsx', '--input-type=module', '-e', script],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    out += s
  })
  let err = ''
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    err += s
  })
  const [code] = await once(child, 'exit')
  assert.equal(code, 0, err)
  // "Compiled function <module>#<index> using <tier>, …": PostgreSQL's is the module of thousands
  // of functions (the process has a few small ones of its own, compiled before the store starts).
  const modules = new Map<string, { liftoff: number; turbofan: number }>()
  for (const [, module, tier] of out.matchAll(/Compiled function (\S+)#\d+ using (\w+)/g)) {
    const m = modules.get(module as string) ?? { liftoff: 0, turbofan: 0 }
    if (tier === 'Liftoff') m.liftoff++
    if (tier === 'TurboFan') m.turbofan++
    modules.set(module as string, m)
  }
  return (
    [...modules.values()].sort((a, b) => b.liftoff - a.liftoff)[0] ?? { liftoff: 0, turbofan: 0 }
  )
}

test("PostgreSQL's WebAssembly runs on V8's baseline compiler unless the optimizing one is asked for", async () => {
  const lean = await compiledWith(false)
  assert.ok(lean.liftoff > 1000, `${lean.liftoff} functions compiled by Liftoff`)
  assert.equal(lean.turbofan, 0)
  const optimized = await compiledWith(true)
  assert.ok(optimized.turbofan > 0, 'with optimize, V8 optimizes the busiest functions')
})
