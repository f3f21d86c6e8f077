// The PGlite worker thread and the messages to it, without Kysely or PGlite itself: the `serve`
// command starts the worker (openPglite) before it loads the server's modules, so that PGlite's
// WebAssembly compiles and its PostgreSQL starts while the main thread loads them (see cli.ts).
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { Worker } from 'node:worker_threads'
import { storeUnavailable } from './faults.ts'
import { privateDir } from './file-modes.ts'
import { readOnMain } from './pglite-wire.ts'

interface Reply {
  id: number
  ok: boolean
  rows: unknown[]
  affectedRows?: number
  /** A statement's answer as PostgreSQL wrote it, read here into `rows` (pglite-wire.ts). */
  raw?: Uint8Array
  dump?: Uint8Array
  error?: { message?: string; code?: string; detail?: string; constraint?: string }
}

/** The answer to every query in flight when the worker exited. */
const GONE: Reply = { id: -1, ok: true, rows: [] }

/** What a PGlite worker opens, and how (see pglite-durable.ts). */
export interface PgliteOptions {
  /** A data directory or `memory://`. */
  dataDir: string
  /** A dump of a store to start from. */
  snapshot?: string | undefined
  fsync: boolean
  sharedBuffersMb: number
  /** Whether V8 may recompile PostgreSQL's busiest functions with its optimizing compiler. */
  optimize?: boolean
}

/**
 * How V8 compiles PostgreSQL's WebAssembly. Its baseline compiler (Liftoff) compiles every
 * function at start; by default V8 then recompiles the busiest ones with its optimizing compiler
 * (TurboFan), on its background threads, one function at a time taking up to 40 MB of native
 * memory while it compiles. glibc keeps that memory in each compiling thread's arena once it is
 * freed, so a server on the embedded store held 55-120 MB of freed compiler memory, more as more
 * threads had compiled. Liftoff only: 202-209 MB idle instead of 239-263, with 0-19 % fewer
 * requests a second (bench/README.md, "The embedded store's defaults"). `optimize` turns the
 * optimizing compiler back on. The setting is the process's (V8 has one for all), read when a
 * module compiles: it is set before every store starts.
 */
const compileFlag = (o: PgliteOptions) => (o.optimize ? '--no-liftoff-only' : '--liftoff-only')

/**
 * The store's worker thread's young generation (MB), where short-lived objects are made: what it
 * allocates per statement is small and soon garbage, and V8's default let it keep 10-20 MB more.
 */
const WORKER_YOUNG_MB = 6

/**
 * Creates the store in `dataDir` in a process of its own (pglite-worker's entry run as a
 * program), which exits once it has. Creating a database (initdb) grows PGlite's WebAssembly
 * memory to about 800 MB and leaves the threads' native heaps (glibc's arenas) holding about 100
 * MB more that a thread ending does not give back; a process ending gives back all of it.
 */
async function initPglite(options: PgliteOptions): Promise<void> {
  const compiled = !import.meta.url.endsWith('.ts')
  const entry = fileURLToPath(
    new URL(compiled ? './pglite-worker.js' : './pglite-worker.ts', import.meta.url),
  )
  // From source, the program registers tsx, as the worker thread does (see startWorker).
  const loader = compiled ? [] : ['--import', import.meta.resolve('tsx/esm')]
  const child = spawn(
    process.execPath,
    [compileFlag(options), ...loader, entry, JSON.stringify(options)],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4096)
  })
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null]
  if (code !== 0) {
    throw new Error(`creating the PGlite store failed (${code ?? signal}): ${stderr.trim()}`)
  }
}

/**
 * The worker thread running pglite-worker. Compiled (dist/, see scripts/build-server.mjs), this
 * module sits beside the worker's own compiled entry; run from source, the worker does not inherit
 * the TypeScript loader, so it registers tsx before loading the source.
 */
function startWorker(options: PgliteOptions): Worker {
  setFlagsFromString(compileFlag(options))
  const settings = {
    workerData: options,
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
  }
  if (!import.meta.url.endsWith('.ts')) {
    // Every compiled file is directly in dist/ (scripts/build-server.mjs).
    return new Worker(new URL('./pglite-worker.js', import.meta.url), settings)
  }
  const loader = JSON.stringify(import.meta.resolve('tsx/esm/api'))
  const entry = JSON.stringify(new URL('./pglite-worker.ts', import.meta.url).href)
  const boot = `import(${loader}).then((m) => { m.register(); return import(${entry}) })`
  return new Worker(boot, { eval: true, ...settings })
}

/** Talks to the PGlite worker thread; one query in flight at a time, as PGlite has one session. */
export class PgliteClient {
  readonly #worker: Worker
  readonly #pending = new Map<number, (r: Reply) => void>()
  #next = 1
  readonly ready: Promise<void>

  constructor(readonly options: PgliteOptions) {
    this.#worker = startWorker(options)
    this.ready = new Promise((resolve, reject) => {
      this.#pending.set(0, () => resolve())
      this.#worker.once('error', reject)
    })
    // Awaited by every query, which reports a failed start with its cause.
    this.ready.catch(() => {})
    this.#worker.on('message', (r: Reply) => {
      if (r.raw) {
        try {
          const { rows, affectedRows } = readOnMain(r.raw)
          r.rows = rows
          r.affectedRows = affectedRows
        } catch (err) {
          // An answer this thread cannot read fails its query, never the process.
          r.ok = false
          r.error = { message: `reading the store's answer failed: ${(err as Error).message}` }
        }
        r.raw = undefined
      }
      const done = this.#pending.get(r.id)
      this.#pending.delete(r.id)
      done?.(r)
    })
    // A worker that crashed (or ran out of memory) leaves the store unavailable, not the process
    // dead: queries in flight and every later one are answered UNAVAILABLE.
    this.#worker.on('error', () => {})
    this.#worker.once('exit', () => {
      this.#gone = true
      for (const done of this.#pending.values()) done(GONE)
      this.#pending.clear()
    })
  }

  #gone = false

  async send(
    op: 'query' | 'close' | 'dump',
    sql?: string,
    params?: readonly unknown[],
    /** Its plan may be reused from run to run (see compiled.ts `keep`, pglite-statements.ts). */
    keep = false,
  ): Promise<Reply> {
    await this.ready
    if (this.#gone) {
      if (op === 'close') return GONE
      throw storeUnavailable()
    }
    const id = this.#next++
    const reply = await new Promise<Reply>((resolve) => {
      this.#pending.set(id, resolve)
      this.#worker.postMessage({ id, op, sql, params, keep })
    })
    if (reply === GONE && op !== 'close') throw storeUnavailable()
    if (!reply.ok) {
      const err = new Error(reply.error?.message ?? 'PGlite query failed') as Error & {
        code?: string
        detail?: string
        constraint?: string
      }
      err.code = reply.error?.code
      err.detail = reply.error?.detail
      err.constraint = reply.error?.constraint
      throw err
    }
    return reply
  }

  /** The store's files as a tarball, for `snapshot` later. */
  async dump(): Promise<Uint8Array> {
    return (await this.send('dump')).dump ?? new Uint8Array()
  }

  async close(): Promise<void> {
    await this.send('close')
    await this.#worker.terminate()
  }
}

/**
 * Opens the embedded store in `options.dataDir` (or `memory://`): the directory is made private
 * (or refused), a new store is created first by a worker of its own, and the worker that serves
 * the store is started. Its `ready` says when PGlite has started.
 */
export async function openPglite(options: PgliteOptions): Promise<PgliteClient> {
  const memory = options.dataDir.startsWith('memory://')
  // The store's files are as private as its data: created so, checked on every start.
  if (!memory) privateDir(options.dataDir)
  // Creating a database (initdb) grows PGlite's WebAssembly memory to about 800 MB, which it
  // never gives back; the store is made by a process of its own (initPglite), which then exits,
  // and the store is opened anew at about a third of that.
  if (!options.snapshot && !memory && !existsSync(join(options.dataDir, 'PG_VERSION'))) {
    await initPglite(options)
  }
  return new PgliteClient(options)
}
