import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { type MintOptions, mintToken } from '../../src/auth/tokens.ts'
import { loadConfig } from '../../src/config.ts'
import { buildHerald, type Herald } from '../../src/server.ts'

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
export const postgresUp = ENGINES.includes('postgres') && (await postgresAnswers())

export interface TestHerald extends Herald {
  engine: EngineName
  /** A fresh tenant id, so tests in one suite never see each other's data. */
  tenant(): string
  token(o: MintOptions): Promise<string>
  apiKey(tenant: string): Promise<string>
}

/** Builds a Herald on one engine: PGlite in memory, or PostgreSQL in a schema of its own. */
export async function startHerald(
  engine: EngineName,
  env: Record<string, string> = {},
): Promise<TestHerald> {
  const schema = `t_${randomBytes(6).toString('hex')}`
  const config = loadConfig({
    HERALD_JWT_SECRET: SECRET,
    DATABASE_URL: engine === 'postgres' ? PG_URL : 'memory://',
    HERALD_RATE_LIMIT: '100000',
    HERALD_RATE_LIMIT_ADDRESS: '100000',
    ...env,
  })
  const h = await buildHerald({
    config,
    schema: engine === 'postgres' ? schema : undefined,
    snapshot: engine === 'pglite' ? process.env.HERALD_TEST_PGLITE_SNAPSHOT : undefined,
  })
  const close = async () => {
    await h.close()
    if (engine === 'postgres') {
      const c = new pg.Client({ connectionString: PG_URL })
      await c.connect()
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      await c.end()
    }
  }
  let n = 0
  return {
    ...h,
    close,
    engine,
    tenant: () => `tenant-${schema}-${++n}`,
    token: (o) => mintToken(SECRET, o),
    apiKey: async (tenant) => (await h.auth.createApiKey(tenant)).key,
  }
}

export interface EngineSuiteOptions {
  /** This suite's environment over the harness defaults, e.g. HERALD_RATE_LIMIT or HERALD_BODY_LIMIT. */
  env?: Record<string, string>
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
      if (engine === 'postgres' && !postgresUp) {
        const why = `PostgreSQL is not reachable at ${PG_URL}`
        // One test stands for the suite: skipped with the reason locally, failed under CI.
        test('PostgreSQL is reachable', { skip: process.env.CI === 'true' ? false : why }, () => {
          throw new Error(`${why}, and CI=true requires it`)
        })
        return
      }
      let h: TestHerald | null = null
      before(async () => {
        h = await startHerald(engine, options.env)
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
