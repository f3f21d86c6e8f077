import { createHash } from 'node:crypto'
import { Kysely, Migrator, PostgresDialect } from 'kysely'
import pg from 'pg'
import { migrationProvider } from './migrations/index.ts'
import { createPgliteWorker } from './pglite-dialect.ts'
import type { Database } from './schema.ts'

export type Engine = 'pglite' | 'postgres'

export interface StorageOptions {
  /** `postgres://…` for PostgreSQL; otherwise a PGlite data directory or `memory://`. */
  url: string
  /** PostgreSQL only: run in this schema (created if missing). Tests use one per suite. */
  schema?: string
  poolSize?: number
  /** PGlite only: start from this dump of a store (tests start from a migrated snapshot). */
  snapshot?: string
  /** PGlite only: flush every commit to the disk before acknowledging it (see pglite-durable.ts). */
  fsync?: boolean
}

export interface Storage {
  db: Kysely<Database>
  engine: Engine
  /** PostgreSQL only: the schema the store runs in, when not the default. */
  schema?: string
  /** PGlite only: the store's files, to start another store from (see `snapshot`). */
  dump?: () => Promise<Uint8Array>
  close(): Promise<void>
}

const int8 = (v: string): number => Number.parseInt(v, 10)

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//.test(url)

/** Opens the store; PostgreSQL through a `pg` pool, otherwise embedded PGlite in a worker thread. */
export async function openStorage(opts: StorageOptions): Promise<Storage> {
  if (!isPostgresUrl(opts.url)) {
    const worker = createPgliteWorker(opts.url, opts.snapshot, opts.fsync)
    const db = new Kysely<Database>({ dialect: worker.dialect })
    return { db, engine: 'pglite', dump: worker.dump, close: () => db.destroy() }
  }
  if (opts.schema) {
    const admin = new pg.Client({ connectionString: opts.url })
    await admin.connect()
    await admin.query(`CREATE SCHEMA IF NOT EXISTS "${opts.schema.replace(/"/g, '')}"`)
    await admin.end()
  }
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    options: opts.schema ? `-c search_path=${opts.schema}` : undefined,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? int8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  })
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {})
  pool.on('connect', prepareStatements)
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  return { db, engine: 'postgres', schema: opts.schema, close: () => db.destroy() }
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
 */
function prepareStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown
  const named = (text: unknown, values?: unknown, ...rest: unknown[]) =>
    typeof text === 'string' && Array.isArray(values) && values.length > 0
      ? query({ name: statementName(text), text, values }, ...rest)
      : query(text, values, ...rest)
  client.query = named as typeof client.query
}

/**
 * Applies every pending migration; safe to run concurrently (the migrator takes a lock). With a
 * schema, the migrator's own tables are looked up there too, not in whichever schema has them.
 */
export async function migrate(db: Kysely<Database>, schema?: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider, migrationTableSchema: schema })
  const { error, results } = await migrator.migrateToLatest()
  if (error) throw error
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
