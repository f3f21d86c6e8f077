import { Worker } from 'node:worker_threads'
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from 'kysely'
import { isKept } from './compiled.ts'
import { FairLock } from './fair-lock.ts'
import { storeUnavailable } from './faults.ts'

interface Reply {
  id: number
  ok: boolean
  rows: unknown[]
  affectedRows?: number
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
}

/** Creates the store in `dataDir` with a worker of its own, which ends once it has. */
export async function initPglite(options: PgliteOptions): Promise<void> {
  await new WorkerClient(options).close()
}

/**
 * The worker thread running pglite-worker. Compiled (dist/, see scripts/build-server.mjs), this
 * module sits beside the worker's own compiled entry; run from source, the worker does not inherit
 * the TypeScript loader, so it registers tsx before loading the source.
 */
function startWorker(options: PgliteOptions): Worker {
  if (!import.meta.url.endsWith('.ts')) {
    // Every compiled file is directly in dist/ (scripts/build-server.mjs).
    return new Worker(new URL('./pglite-worker.js', import.meta.url), { workerData: options })
  }
  const loader = JSON.stringify(import.meta.resolve('tsx/esm/api'))
  const entry = JSON.stringify(new URL('./pglite-worker.ts', import.meta.url).href)
  const boot = `import(${loader}).then((m) => { m.register(); return import(${entry}) })`
  return new Worker(boot, { eval: true, workerData: options })
}

/** Talks to the PGlite worker thread; one query in flight at a time, as PGlite has one session. */
class WorkerClient {
  readonly #worker: Worker
  readonly #pending = new Map<number, (r: Reply) => void>()
  #next = 1
  readonly ready: Promise<void>

  constructor(options: PgliteOptions) {
    this.#worker = startWorker(options)
    this.ready = new Promise((resolve, reject) => {
      this.#pending.set(0, () => resolve())
      this.#worker.once('error', reject)
    })
    // Awaited by every query, which reports a failed start with its cause.
    this.ready.catch(() => {})
    this.#worker.on('message', (r: Reply) => {
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
    /** Run as a named prepared statement kept on the session (see compiled.ts `keep`). */
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

class WorkerConnection implements DatabaseConnection {
  constructor(private readonly client: WorkerClient) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const reply = await this.client.send('query', query.sql, query.parameters, isKept(query))
    return {
      rows: reply.rows as R[],
      numAffectedRows: reply.affectedRows === undefined ? undefined : BigInt(reply.affectedRows),
    }
  }

  // biome-ignore lint/correctness/useYield: streaming is not used by Herald
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported on the embedded store')
  }
}

/**
 * PGlite has a single session, so a connection is a lock on it: transactions never interleave.
 * The lock is fair (fair-lock.ts): one requester's backlog does not hold up the others.
 */
class WorkerDriver implements Driver {
  readonly #client: WorkerClient
  readonly #connection: WorkerConnection
  readonly #lock: FairLock

  constructor(client: WorkerClient, lock: FairLock) {
    this.#client = client
    this.#connection = new WorkerConnection(this.#client)
    this.#lock = lock
  }

  async init(): Promise<void> {
    await this.#client.ready
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    this.#releases.push(await this.#lock.acquire())
    return this.#connection
  }

  readonly #releases: Array<() => void> = []

  async beginTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery({ sql: 'begin', parameters: [] } as unknown as CompiledQuery)
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery({ sql: 'commit', parameters: [] } as unknown as CompiledQuery)
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery({ sql: 'rollback', parameters: [] } as unknown as CompiledQuery)
  }

  async releaseConnection(): Promise<void> {
    this.#releases.shift()?.()
  }

  async destroy(): Promise<void> {
    await this.#client.close()
  }
}

/**
 * PGlite in a worker thread (`memory://` or a data directory), optionally starting from a snapshot
 * file made by `dump()`, with commits flushed to the disk when `fsync`: a Kysely dialect and the
 * worker's dump.
 */
export function createPgliteWorker(
  options: PgliteOptions,
  /** Statements one requester may have waiting for the session (see fair-lock.ts). */
  queuePerUser = 128,
) {
  const client = new WorkerClient(options)
  const lock = new FairLock(queuePerUser)
  const dialect: Dialect = {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new WorkerDriver(client, lock),
    createIntrospector: (db: Kysely<unknown>) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  }
  return { dialect, dump: () => client.dump(), waiting: () => lock.waiting }
}
