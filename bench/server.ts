import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { Type as T } from 'typebox'
import { mintToken } from '../src/auth/tokens.ts'
import { type Config, loadConfig } from '../src/config.ts'
import type { Viewer } from '../src/core/inbox.ts'
import type { Principal } from '../src/core/notification.ts'
import { setHeapGrowth } from '../src/heap-growth.ts'
import { renderNotification } from '../src/http/native/convert.ts'
import { NotificationOut } from '../src/http/native/schemas.ts'
import { buildHerald, type Herald } from '../src/server.ts'
import { underSchemaLock } from '../test/support/schema-lock.ts'

export type EngineName = 'postgres' | 'pglite'

export const PG_URL = process.env.HERALD_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
/**
 * The bench server's connections are named so, and the raw loops' RAW_APP, so that the CPU time
 * of their PostgreSQL backends can be read apart from anyone else's (cpu.ts).
 */
export const SERVER_APP = `herald-bench-${process.pid}`
export const RAW_APP = `herald-bench-raw-${process.pid}`

/** The PostgreSQL schema a run drops and builds (HERALD_BENCH_SCHEMA: for runs side by side). */
export const BENCH_SCHEMA = process.env.HERALD_BENCH_SCHEMA ?? 'bench'
/**
 * Settings that trade the server's memory for speed: the embedded store's page cache and
 * compiler (src/storage/pglite-client.ts), the heap's growth (src/heap-growth.ts).
 */
export const MEMORY_SETTINGS = [
  'HERALD_PGLITE_SHARED_BUFFERS_MB',
  'HERALD_PGLITE_OPTIMIZE',
  'HERALD_HEAP_GROWTH_PERCENT',
]

/** The variables of `names` that are set in `env`. */
export const pick = (env: NodeJS.ProcessEnv, names: string[]): Record<string, string> =>
  Object.fromEntries(names.flatMap((n) => (env[n] ? [[n, env[n]]] : [])))

/** The secret the bench's servers sign and check tokens with. */
export const BENCH_SECRET = 'bench-secret-0123456789-abcdefghijklmnop'

export interface BenchServer {
  herald: Herald
  config: Config
  engine: EngineName
  url: string
  token(user: string): Promise<string>
  close(): Promise<void>
}

// Under the test suites' schema lock: the bench also runs inside `npm test` (test/bench), beside
// suites that build and drop schemas of their own on the same database.
const resetSchema = (): Promise<unknown> =>
  underSchemaLock(PG_URL, 'exclusive', (c) =>
    c.query(`DROP SCHEMA IF EXISTS ${BENCH_SCHEMA} CASCADE`),
  )

const viewer = (p: Principal | null): Viewer => {
  if (!p?.userId) throw new Error('bench routes need a user token')
  return { tenantId: p.tenantId, userId: p.userId }
}

/**
 * Bench-only routes, registered beside the real ones with the same plugins and the same auth
 * step: a trivial baseline, and the peer's listing pattern (OFFSET plus a COUNT of everything).
 */
const benchRoutes = (herald: () => Herald) => async (app: FastifyInstance) => {
  await app.register(
    async (scope) => {
      scope.decorateRequest('benchPrincipal', null)
      scope.addHook('preHandler', async (req) => {
        ;(req as unknown as { benchPrincipal: Principal }).benchPrincipal =
          await herald().auth.verify(
            /^Bearer\s+(\S+)/i.exec(req.headers.authorization ?? '')?.[1] ?? '',
          )
      })
      const principalOf = (req: unknown) =>
        (req as { benchPrincipal: Principal | null }).benchPrincipal
      scope.get(
        '/baseline',
        { schema: { hide: true, response: { 200: T.Object({ user: T.String() }) } } },
        async (req) => ({ user: viewer(principalOf(req)).userId }),
      )
      scope.get(
        '/offset-page',
        {
          schema: {
            hide: true,
            querystring: T.Object({ page: T.Integer({ minimum: 1 }) }),
            response: {
              200: T.Object({ items: T.Array(NotificationOut), total: T.Integer() }),
            },
          },
        },
        async (req) => {
          const { page } = req.query as { page: number }
          const { core } = herald()
          const res = await core.inbox.list(viewer(principalOf(req)), {
            page: { kind: 'numbered', page, size: 20 },
          })
          const now = core.clock()
          return { items: res.items.map((n) => renderNotification(n, now)), total: res.total ?? 0 }
        },
      )
    },
    { prefix: '/bench' },
  )
}

/**
 * Starts Herald on a fresh store, listening on a free port on 127.0.0.1; `env` adds to the
 * bench's configuration.
 */
export async function startServer(
  engine: EngineName,
  env: Record<string, string> = {},
): Promise<BenchServer> {
  let dir: string | null = null
  let databaseUrl = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}application_name=${SERVER_APP}`
  if (engine === 'postgres') await resetSchema()
  else {
    dir = mkdtempSync(join(tmpdir(), 'herald-bench-'))
    databaseUrl = join(dir, 'pglite')
  }
  const config = loadConfig({
    HERALD_JWT_SECRET: BENCH_SECRET,
    DATABASE_URL: databaseUrl,
    HERALD_DATA_DIR: dir ?? tmpdir(),
    HERALD_RATE_LIMIT: '1000000000',
    // The 304 poll row holds each user's tag for the whole run: no version may end meanwhile.
    HERALD_ETAG_LIFETIME_S: '86400',
    // The seed's statements may need longer on a loaded machine: the caller's setting applies.
    ...(process.env.HERALD_DB_STATEMENT_TIMEOUT_MS
      ? { HERALD_DB_STATEMENT_TIMEOUT_MS: process.env.HERALD_DB_STATEMENT_TIMEOUT_MS }
      : {}),
    // The memory settings, as the caller sets them, to measure what each costs (bench/README.md).
    ...pick(process.env, MEMORY_SETTINGS),
    ...env,
  })
  // The process's heap growth, as `herald serve` sets it (src/heap-growth.ts).
  setHeapGrowth(config.heapGrowthPercent)
  let built: Herald | null = null
  const get = () => {
    if (!built) throw new Error('server not built')
    return built
  }
  const build = () =>
    buildHerald({
      config,
      schema: engine === 'postgres' ? BENCH_SCHEMA : undefined,
      // Handlers only run after listen, by which time `built` is set.
      extend: benchRoutes(get),
    })
  const herald =
    engine === 'postgres' ? await underSchemaLock(PG_URL, 'shared', build) : await build()
  built = herald
  const address = await herald.app.listen({ host: '127.0.0.1', port: 0 })
  return {
    herald,
    config,
    engine,
    url: address,
    token: (user) => mintToken(BENCH_SECRET, { tenant: 'bench', user, ttl: 3600 }),
    async close() {
      await herald.close()
      if (dir) rmSync(dir, { recursive: true, force: true })
      if (engine === 'postgres') await resetSchema()
    },
  }
}

/** A process's resident memory (MB), from /proc (Linux). */
export const rssMb = (pid: number): number =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024

/** A `herald serve` process of the bench's own (not the in-process server of startServer). */
export interface ServeProcess {
  proc: ChildProcess
  url: string
  /** The last 4 kB it wrote to stdout. */
  output(): string
}

/**
 * Starts `herald serve` (bin/herald.js, as a deployment runs it) on `databaseUrl`, with the
 * bench's secret, no rate limit worth the name and `env` on top; resolves once it listens.
 * `onOutput` sees everything it writes to stdout.
 */
export async function spawnServe(
  dataDir: string,
  databaseUrl: string,
  env: Record<string, string>,
  onOutput: (chunk: string) => void = () => {},
): Promise<ServeProcess> {
  const proc = spawn(
    process.execPath,
    [new URL('../bin/herald.js', import.meta.url).pathname, 'serve'],
    {
      env: {
        PATH: process.env.PATH,
        HERALD_PORT: '0',
        HERALD_DATA_DIR: dataDir,
        DATABASE_URL: databaseUrl,
        HERALD_JWT_SECRET: BENCH_SECRET,
        HERALD_RATE_LIMIT: '1000000000',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out = (out + chunk).slice(-4096)
      onOutput(chunk)
      const found = /listening on (http:\/\/\S+)/.exec(out)?.[1]
      if (found) resolve(found)
    })
    proc.once('exit', (code) => reject(new Error(`herald serve exited with ${code}: ${out}`)))
  })
  return { proc, url, output: () => out }
}
