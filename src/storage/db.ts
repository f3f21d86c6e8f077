import { createHash } from 'node:crypto'
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely'
import type pg from 'pg'
import { migrationProvider } from './migrations/index.ts'
import { timestamptzParser } from './pg-timestamp.ts'
import { openPglite, type PgliteClient } from './pglite-client.ts'
import { createPgliteWorker } from './pglite-dialect.ts'
import { rowMaker } from './row-maker.ts'
import type { Database } from './schema.ts'
import { isPostgresUrl } from './store-url.ts'

export type Engine = 'pglite' | 'postgres'

export interface StorageOptions {
  /** `postgres://…` for PostgreSQL; otherwise a PGlite data directory or `memory://`. */
  url: string
  /** PostgreSQL only: run in this schema (created if missing). Tests use one per suite. */
  schema?: string
  /** PostgreSQL only: connections in the pool (default 10). */
  poolSize?: number
  /**
   * PostgreSQL only: the longest a statement may run (default 10 s), enforced by the server and,
   * for a database that stops answering without closing its sockets, by the client too.
   */
  statementTimeoutMs?: number
  /** PGlite only: start from this dump of a store (tests start from a migrated snapshot). */
  snapshot?: string
  /** PGlite only: flush every commit to the disk before acknowledging it (see pglite-durable.ts). */
  fsync?: boolean
  /** PGlite only: PostgreSQL's shared buffers in MB (default 16). */
  sharedBuffersMb?: number
  /** PGlite only: let V8 optimize PostgreSQL's busiest functions (see pglite-client.ts). */
  optimize?: boolean
  /**
   * PGlite only: the store's worker, opened already (openPglite) on `url` with these options; the
   * `serve` command starts it before loading the server.
   */
  pglite?: Promise<PgliteClient>
  /** PGlite only: statements one requester may have waiting for the session (default 128). */
  queuePerUser?: number
}

export interface Storage {
  db: Kysely<Database>
  engine: Engine
  /** PostgreSQL only: the schema the store runs in, when not the default. */
  schema?: string
  /** PGlite only: the store's files, to start another store from (see `snapshot`). */
  dump?: () => Promise<Uint8Array>
  /** PostgreSQL only: a one-connection store for migrations, without the statement timeouts. */
  openMigrationDb?: () => Kysely<Database>
  /** PGlite only: statements waiting for the session. */
  waiting?: () => number
  close(): Promise<void>
}

const int8 = (v: string): number => Number.parseInt(v, 10)
const INT8 = 20
const TIMESTAMPTZ = 1184

/** Opens the store; PostgreSQL through a `pg` pool, otherwise embedded PGlite in a worker thread. */
export async function openStorage(opts: StorageOptions): Promise<Storage> {
  if (!isPostgresUrl(opts.url)) {
    const client = await (opts.pglite ??
      openPglite({
        dataDir: opts.url,
        snapshot: opts.snapshot,
        fsync: opts.fsync ?? false,
        sharedBuffersMb: opts.sharedBuffersMb ?? 16,
        optimize: opts.optimize ?? false,
      }))
    if (client.options.dataDir !== opts.url) {
      await client.close()
      throw new Error(`the PGlite worker given opened ${client.options.dataDir}, not ${opts.url}`)
    }
    const worker = createPgliteWorker(client, opts.queuePerUser)
    const db = new Kysely<Database>({ dialect: worker.dialect })
    const { dump, waiting } = worker
    return { db, engine: 'pglite', dump, waiting, close: () => db.destroy() }
  }
  // Loaded only here: an embedded store's start does without it.
  const { default: pg } = await import('pg')
  if (opts.schema) {
    const admin = new pg.Client({ connectionString: opts.url })
    await admin.connect()
    await admin.query(`CREATE SCHEMA IF NOT EXISTS "${opts.schema.replace(/"/g, '')}"`)
    await admin.end()
  }
  const pool = new pg.Pool(poolConfig(opts, pg.types.getTypeParser))
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {})
  pool.on('connect', instrument)
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  const schema = opts.schema ?? searchPathSchema(opts.url)
  // Migrations (an index or a backfill on a large table) may run for minutes: they get a connection
  // of their own without the timeouts that bound every request's statements.
  const openMigrationDb = () => {
    const { statement_timeout, query_timeout, idle_in_transaction_session_timeout, ...rest } =
      poolConfig({ ...opts, poolSize: 1 }, pg.types.getTypeParser)
    const migrationPool = new pg.Pool(rest)
    migrationPool.on('error', () => {})
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool: migrationPool }) })
  }
  return { db, engine: 'postgres', schema, openMigrationDb, close: () => db.destroy() }
}

/**
 * The schema a URL's `options=-c search_path=…` puts first, so the migrator looks for its own
 * tables there too, and not in another schema of the database that happens to have them.
 */
function searchPathSchema(url: string): string | undefined {
  const options = new URL(url).searchParams.get('options') ?? ''
  return /search_path=([^\s,]+)/.exec(options)?.[1]
}

const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000

/**
 * Every way a connection can hang is bounded: connecting (and waiting for a free connection),
 * each statement (server side, and client side for a frozen server), a transaction left idle, and
 * a peer that vanished without a FIN (TCP keepalive).
 */
function poolConfig(opts: StorageOptions, parserOf: typeof pg.types.getTypeParser): pg.PoolConfig {
  const timestamptz = timestamptzParser(parserOf(TIMESTAMPTZ, 'text'))
  const statement = opts.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS
  return {
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    // Set only for a schema of our own, so a search_path in the URL's `options` still applies.
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    connectionTimeoutMillis: Math.min(statement, 5_000),
    statement_timeout: statement,
    query_timeout: statement,
    idle_in_transaction_session_timeout: statement,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8
          ? int8
          : oid === TIMESTAMPTZ && format !== 'binary'
            ? timestamptz
            : parserOf(oid, format)) as typeof pg.types.getTypeParser,
    },
  }
}

/**
 * Gives a new pool client its error path and its prepared statements. A checked-out client has no
 * pool listener, so without one a server restart's error event would crash the process; the
 * query in flight reports the failure instead, and the pool drops the broken client on release.
 */
function instrument(client: pg.PoolClient): void {
  client.on('error', () => {})
  prepareStatements(client)
}

const statementNames = new Map<string, string>()
const statementName = (text: string): string => {
  let name = statementNames.get(text)
  if (!name) {
    if (statementNames.size >= 5_000) statementNames.clear()
    name = `h${createHash('sha1').update(text).digest('hex')}`
    statementNames.set(text, name)
  }
  return name
}

/**
 * Every query with parameters runs as a named prepared statement, parsed and planned once per
 * connection instead of on every request. Parameterless statements (DDL, BEGIN) stay unnamed.
 * Its rows come from `pg` as arrays and are made objects here by one literal per result's
 * columns (row-maker.ts), the same objects `pg` would make, for less than half the CPU.
 */
function prepareStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown
  const named = (text: unknown, values?: unknown, ...rest: unknown[]) => {
    if (typeof text === 'string' && Array.isArray(values) && values.length > 0) {
      if (rest.length === 0) {
        const name = statementName(text)
        const result = query({ name, text, values, rowMode: 'array' }) as Promise<pg.QueryResult>
        return result.then(asObjects, (err: unknown) => {
          dropOnReadTimeout(client, err)
          throw err
        })
      }
      const result = query({ name: statementName(text), text, values }, ...rest)
      if (result instanceof Promise) result.catch((err: unknown) => dropOnReadTimeout(client, err))
      return result
    }
    const result = query(text, values, ...rest)
    if (result instanceof Promise) result.catch((err: unknown) => dropOnReadTimeout(client, err))
    return result
  }
  client.query = named as typeof client.query
}

/** A result read with `rowMode: 'array'`, its rows made the objects `pg` makes by default. */
function asObjects(result: pg.QueryResult): pg.QueryResult {
  const rows = result.rows as unknown as unknown[][]
  if (rows.length === 0) return result
  const make = rowMaker(result.fields.map((f) => f.name))
  const objects = new Array<Record<string, unknown>>(rows.length)
  for (let i = 0; i < rows.length; i++) objects[i] = make(rows[i] as unknown[])
  result.rows = objects
  return result
}

/**
 * `pg`'s client-side query timeout rejects the query but keeps the connection, whose next query
 * would queue behind the unanswered one for good: close the socket, so the client is no longer
 * queryable and the pool discards it on release.
 */
function dropOnReadTimeout(client: pg.PoolClient, err: unknown): void {
  if (err instanceof Error && err.message === 'Query read timeout') {
    ;(
      client as unknown as { connection?: { stream?: { destroy(): void } } }
    ).connection?.stream?.destroy()
  }
}

/**
 * Applies every pending migration; safe to run concurrently (the migrator takes a lock). With a
 * schema, the migrator's own tables are looked up there too, not in whichever schema has them.
 */
/** Applies the migrations to the store (see `openMigrationDb`); the names of those applied. */
export async function migrateStorage(storage: Storage): Promise<string[]> {
  if (!storage.openMigrationDb) return migrate(storage.db, storage.schema)
  const db = storage.openMigrationDb()
  try {
    return await migrate(db, storage.schema)
  } finally {
    await db.destroy()
  }
}

export async function migrate(db: Kysely<Database>, schema?: string): Promise<string[]> {
  if (await upToDate(db, schema)) return []
  const migrator = new Migrator({ db, provider: migrationProvider, migrationTableSchema: schema })
  const { error, results } = await migrator.migrateToLatest()
  if (error) throw error
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

/**
 * Whether every migration is applied already, as on most starts: one read of Kysely's table,
 * where the migrator introspects the catalog and takes its lock first (on PGlite, about half a
 * second of CPU). Anything else (no table yet, a migration missing or unknown, an error) is left
 * to the migrator, which applies or reports it under its lock.
 */
async function upToDate(db: Kysely<Database>, schema: string | undefined): Promise<boolean> {
  const known = Object.keys(await migrationProvider.getMigrations()).sort()
  const table = sql.table(schema ? `${schema}.kysely_migration` : 'kysely_migration')
  try {
    const { rows } = await sql<{ name: string }>`SELECT name FROM ${table}`.execute(db)
    const applied = rows.map((r) => r.name).sort()
    return applied.length === known.length && applied.every((name, i) => name === known[i])
  } catch {
    return false
  }
}
