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
import type { PgliteClient } from './pglite-client.ts'

class WorkerConnection implements DatabaseConnection {
  constructor(private readonly client: PgliteClient) {}

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
  readonly #client: PgliteClient
  readonly #connection: WorkerConnection
  readonly #lock: FairLock

  constructor(client: PgliteClient, lock: FairLock) {
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
 * A Kysely dialect over PGlite in a worker thread (see openPglite in pglite-client.ts), and the
 * worker's dump.
 */
export function createPgliteWorker(
  client: PgliteClient,
  /** Statements one requester may have waiting for the session (see fair-lock.ts). */
  queuePerUser = 128,
) {
  const lock = new FairLock(queuePerUser)
  const dialect: Dialect = {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new WorkerDriver(client, lock),
    createIntrospector: (db: Kysely<unknown>) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  }
  return { dialect, dump: () => client.dump(), waiting: () => lock.waiting }
}
