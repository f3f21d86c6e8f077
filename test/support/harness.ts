import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { type MintOptions, mintToken } from '../../src/auth/tokens.ts'
import { loadConfig } from '../../src/config.ts'
import type { LogDestination } from '../../src/http/log.ts'
import { buildHerald, type Herald } from '../../src/server.ts'
import { underSchemaLock as lockSchemas } from './schema-lock.ts'

export type EngineName = 'pglite' | 'postgres'

export const PG_URL = process.env.HERALD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const SECRET = 'test-secret-0123456789-abcdefghijklmnop'
const ENGINES = (process.env.HERALD_TEST_ENGINES ?? 'pglite,postgres').split(',') as EngineName[]

async function postgresAnswers(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 })
  try {
    await c.connect()
    await c.end()
    return true
  } catch {
    return false
  }
}

// Asked once, before any suite is declared: a suite body that awaited it would declare its tests
// after node:test had moved on, and they would land in whichever suite was running then.
const postgresUp = ENGINES.includes('postgres') && (await postgresAnswers())

export interface TestHerald extends Herald {
  engine: EngineName
  /** PostgreSQL: the schema it runs in (PGlite: unused). */
  schema: string
  /** A fresh tenant id, so tests in one suite never see each other's data. */
  tenant(): string
  token(o: MintOptions): Promise<string>
  apiKey(tenant: string): Promise<string>
}

const underSchemaLock = <T>(mode: 'shared' | 'exclusive', work: (c: pg.Client) => Promise<T>) =>
  lockSchemas(PG_URL, mode, work)

/**
 * A run that does not use this harness (another checkout's, on the same database) may still drop a
 * schema while a Herald is built. That is not this Herald's failure: buildHerald has closed what it
 * opened, and building again is safe, since the migrator applies only what it has not recorded.
 */
async function despiteDroppedSchemas(own: string, build: () => Promise<Herald>): Promise<Herald> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await build()
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown }
      const another = e.code === '3F000' && !String(e.message).includes(own)
      if (!another || attempt === 5) throw err
    }
  }
}

/** Builds a Herald on one engine: PGlite in memory, or PostgreSQL in a schema of its own. */
export async function startHerald(
  engine: EngineName,
  env: Record<string, string> = {},
  /** PostgreSQL only: a second instance on this one's schema (it leaves the schema to it). */
  join?: TestHerald,
  /** Log through Fastify's logger into this stream (tests that read the log lines). */
  logger?: LogDestination,
  /** The time as the service sees it (tests that move it on instead of waiting). */
  clock?: () => Date,
): Promise<TestHerald> {
  const schema = join?.schema ?? `t_${randomBytes(6).toString('hex')}`
  const config = loadConfig({
    HERALD_JWT_SECRET: SECRET,
    DATABASE_URL: engine === 'postgres' ? PG_URL : 'memory://',
    HERALD_RATE_LIMIT: '100000',
    HERALD_RATE_LIMIT_ADDRESS: '100000',
    ...env,
  })
  const h =
    engine === 'postgres'
      ? await despiteDroppedSchemas(schema, () =>
          underSchemaLock('shared', () => buildHerald({ config, schema, logger, clock })),
        )
      : await buildHerald({
          config,
          logger,
          clock,
          snapshot: process.env.HERALD_TEST_PGLITE_SNAPSHOT,
        })
  const close = async () => {
    await h.close()
    if (engine === 'postgres' && !join) {
      await underSchemaLock('exclusive', (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`))
    }
  }
  let n = 0
  return {
    ...h,
    close,
    engine,
    schema,
    tenant: () => `tenant-${schema}-${++n}`,
    token: (o) => mintToken(SECRET, o),
    apiKey: async (tenant) => (await h.auth.createApiKey(tenant)).key,
  }
}

/**
 * The one reachability rule, for a suite that needs PostgreSQL: true when it answers; otherwise
 * one test stands for the suite, skipped with the reason locally and failed under CI=true.
 * Call it in the suite's body, before declaring anything else.
 */
/**
 * For a PostgreSQL-only test's `skip` option: a reason to skip locally when PostgreSQL is not
 * reachable; under CI=true never, so the test runs and fails.
 */
export const skipWithoutPostgres: string | false =
  postgresUp || process.env.CI === 'true' ? false : `PostgreSQL is not reachable at ${PG_URL}`

export function goOnWithPostgres(): boolean {
  if (postgresUp) return true
  const why = `PostgreSQL is not reachable at ${PG_URL}`
  test('PostgreSQL is reachable', { skip: process.env.CI === 'true' ? false : why }, () => {
    throw new Error(`${why}, and CI=true requires it`)
  })
  return false
}

export interface EngineSuiteOptions {
  /** This suite's environment over the harness defaults, e.g. HERALD_RATE_LIMIT or HERALD_BODY_LIMIT. */
  env?: Record<string, string>
  /** Where the suite's Herald writes its log lines (none when absent). */
  logger?: LogDestination
  /** The suite's Herald's clock (the real one when absent). */
  clock?: () => Date
}

/**
 * Runs a suite once per engine (HERALD_TEST_ENGINES, default both), each on a Herald of its own
 * built with `options.env`. Every suite that needs engines goes through here, so there is one
 * reachability rule: under CI=true a missing PostgreSQL fails the run; elsewhere the PostgreSQL
 * half is skipped with a message.
 *
 * @example
 * describeEngines('limits', (get) => {
 *   test('…', async () => { const h = get() })
 * }, { env: { HERALD_RATE_LIMIT: '10' } })
 */
export function describeEngines(
  name: string,
  body: (get: () => TestHerald) => void,
  options: EngineSuiteOptions = {},
): void {
  for (const engine of ENGINES) {
    describe(`${name} [${engine}]`, () => {
      if (engine === 'postgres' && !goOnWithPostgres()) return
      let h: TestHerald | null = null
      before(async () => {
        h = await startHerald(engine, options.env, undefined, options.logger, options.clock)
      })
      after(async () => {
        await h?.close()
      })
      body(() => {
        if (!h) throw new Error('suite not started')
        return h
      })
    })
  }
}

/** Sends through the native producer API and returns the created ids per recipient. */
export async function send(
  h: TestHerald,
  key: string,
  body: Record<string, unknown>,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/notifications',
    headers: { authorization: `Bearer ${key}` },
    payload: body,
  })
  return { status: res.statusCode, json: res.json() }
}

/**
 * Sends one notification to one user through the native producer API (failing the test unless
 * it is created) and returns it as the send reported it.
 */
export async function sendOne(
  h: TestHerald,
  key: string,
  to: string,
  body: Record<string, unknown>,
): Promise<{ id: number; uuid: string }> {
  const r = await send(h, key, { to: { users: [to] }, ...body })
  if (r.status !== 201) throw new Error(`send failed: ${r.status} ${JSON.stringify(r.json)}`)
  const [n] = r.json.notifications as Array<{ id: number; uuid: string }>
  if (!n) throw new Error('send created no notification')
  return n
}
