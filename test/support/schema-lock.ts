import pg from 'pg'

/**
 * Kysely's migrator lists the tables of every schema in the database, so a schema dropped meanwhile
 * fails the listing with "schema … does not exist". Whatever builds a Herald in a schema of its own
 * on the shared test database (the suites' harness, the bench) builds under a shared advisory lock
 * and drops its schema under an exclusive one, so they never do that to each other.
 */
export async function underSchemaLock<T>(
  url: string,
  mode: 'shared' | 'exclusive',
  work: (c: pg.Client) => Promise<T>,
): Promise<T> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    const lock = mode === 'shared' ? 'pg_advisory_lock_shared' : 'pg_advisory_lock'
    await c.query(`SELECT ${lock}(4826)`)
    return await work(c)
  } finally {
    await c.end() // which releases the lock
  }
}
