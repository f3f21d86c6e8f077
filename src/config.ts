import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { TokenConfig } from './auth/tokens.ts'
import { privateDir, privateFile } from './storage/file-modes.ts'
import { isPostgresUrl } from './storage/store-url.ts'

export const DIALECT_NAMES = ['tasking-manager', 'ondi', 'mantle2', 'productive', 'kendo'] as const
export type DialectName = (typeof DIALECT_NAMES)[number]

export interface Config {
  host: string
  port: number
  production: boolean
  dataDir: string
  /** `postgres://…`, or a PGlite data directory / `memory://`. */
  databaseUrl: string
  /** PostgreSQL pool: connections, and the longest a statement may run (also its client-side bound). */
  database: { poolSize: number; statementTimeoutMs: number }
  /** How long a stop (SIGTERM, SIGINT) lets in-flight requests finish before cutting them. */
  shutdownTimeoutMs: number
  redisUrl: string | null
  /** Prepended to every Redis key and channel, so deployments can share one Redis. */
  redisPrefix: string
  tokens: TokenConfig
  /** True when the HS256 secret was generated in the data directory (development only). */
  generatedSecret: boolean
  bodyLimit: number
  /**
   * Requests per user and per producer (API key, operator token), and failed authentications per
   * client address, per window.
   */
  rateLimit: { max: number; producerMax: number; addressMax: number; windowMs: number }
  /** Fastify's `trustProxy`: whose X-Forwarded-For names the client address. */
  trustProxy: boolean | string[]
  /** Enabled dialects and where each is mounted. */
  dialects: Array<{ name: DialectName; prefix: string }>
  logLevel: string
  /** When set, /metrics answers only a bearer of this token. */
  metricsToken: string | null
  /** PGlite only: whether commits reach the disk (fsync) before they are acknowledged. */
  pgliteFsync: boolean
  /** Embedded store: PostgreSQL's shared buffers, in MB (its memory beyond that is small). */
  pgliteSharedBuffersMb: number
  /**
   * Embedded store: whether V8 recompiles PostgreSQL's busiest functions with its optimizing
   * compiler (faster, for tens of MB more memory; see pglite-client.ts).
   */
  pgliteOptimize: boolean
  /**
   * How far the JavaScript heap grows past what it holds before a full collection (heap-growth.ts):
   * 30 with the embedded store, 0 (V8's own choice) with PostgreSQL, by default.
   */
  heapGrowthPercent: number
  /** Statements one user (or API key) may have waiting for the embedded store's session. */
  pgliteQueuePerUser: number
  /** Background clean-up: idempotency keys older than `idempotencyTtlMs`, orphaned messages. */
  cleanup: { idempotencyTtlMs: number; intervalMs: number; chunk: number }
  /**
   * Scheduled sends: whether this instance delivers them, how often it polls for due ones, how
   * many one poll delivers at most, and how far ahead a send may be scheduled.
   */
  scheduler: { enabled: boolean; intervalMs: number; batch: number; horizonMs: number }
  /** Sends to a topic or the tenant stored once and copied on read (see core/broadcasts.ts). */
  broadcasts: { min: number; recheckMs: number }
  /** Whether admins read and change other users' inboxes where a dialect's contract allows it. */
  adminReach: boolean
  /**
   * Whether `/demo` serves the live inbox demo: never in production, on by default elsewhere
   * (`HERALD_DEMO=off` turns it off). It needs the HS256 secret to sign its user's token.
   */
  demo: boolean
  /**
   * Live streams: open at most per user and per instance, missed notifications one reconnect
   * replays at most, bytes left waiting for a consumer before writes wait for it to read, and how
   * long they wait before a consumer that stopped reading is dropped.
   */
  stream: {
    maxPerUser: number
    max: number
    replayMax: number
    bufferBytes: number
    stallMs: number
    /** Store reads (catch-ups, counts, openings) all of an instance's streams run at once. */
    reads: number
  }
  /**
   * Conditional polling: the seconds a client is asked to wait between polls (X-Poll-Interval),
   * the users whose inbox version an instance keeps in memory, and the longest one version
   * stands (changes no event announces, such as a snooze running out, show by then).
   */
  polling: { intervalS: number; versionUsers: number; versionLifetimeMs: number }
  limits: Limits
  /** Outbound webhooks: endpoints, and the worker that delivers them (see README, Webhooks). */
  webhooks: {
    /** Endpoints may be this host or private networks: tests and trusted networks only. */
    allowPrivate: boolean
    maxEndpoints: number
    maxAttempts: number
    retryBaseMs: number
    timeoutMs: number
    concurrency: number
    pollMs: number
    retentionMs: number
    /** Events waiting for the outbox write at most, per instance. */
    queueMax: number
  }
  /** Which web origins may call the user routes from a browser (see CorsOrigins). */
  corsOrigins: CorsOrigins
}

/**
 * Browser origins allowed to call the user routes: `*` (any, answered `*`), `reflect` (any,
 * answered with the caller's own origin: the development default), or a list (none when empty:
 * the production default).
 */
export type CorsOrigins = '*' | 'reflect' | readonly string[]

/** What one request may ask for, so that every tenant can be served at once (a 4xx past these). */
export interface Limits {
  /** Characters in a text filter that becomes a SQL pattern or an IN list element. */
  filterText: number
  /** Ids one bulk request names. */
  ids: number
  /** Where a count stops when the request gives no cap of its own (named counts). */
  countCap: number
  /** Newest notifications of an inbox a filter on a message's content looks at (0: all). */
  contentWindow: number
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>

const int = (
  env: Env,
  name: string,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number => {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`)
  return n
}

const bool = (env: Env, name: string, fallback: boolean): boolean => {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (raw === 'true' || raw === '1') return true
  if (raw === 'false' || raw === '0') return false
  throw new ConfigError(`${name} must be true or false, got "${raw}"`)
}

const onOff = (env: Env, name: string, fallback: boolean): boolean => {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (raw === 'on') return true
  if (raw === 'off') return false
  throw new ConfigError(`${name} must be on or off, got "${raw}"`)
}

const prefixEnv = (name: DialectName) => `HERALD_PREFIX_${name.toUpperCase().replace(/-/g, '_')}`

function dialects(env: Env): Config['dialects'] {
  const raw = env.HERALD_DIALECTS
  const names =
    raw === undefined
      ? [...DIALECT_NAMES]
      : raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
  return names.map((name) => {
    if (!(DIALECT_NAMES as readonly string[]).includes(name)) {
      throw new ConfigError(
        `HERALD_DIALECTS: unknown dialect "${name}" (known: ${DIALECT_NAMES.join(', ')})`,
      )
    }
    const d = name as DialectName
    const prefix = (env[prefixEnv(d)] ?? `/compat/${d}`).replace(/\/+$/, '')
    if (prefix !== '' && !prefix.startsWith('/'))
      throw new ConfigError(`${prefixEnv(d)} must start with /`)
    return { name: d, prefix }
  })
}

/** `true` (any), or a comma list of proxy addresses and CIDR ranges; none when unset. */
function trustProxy(raw: string | undefined): Config['trustProxy'] {
  if (raw === undefined || raw === '' || raw === 'false') return false
  if (raw === 'true') return true
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

/**
 * HERALD_CORS_ORIGINS: `*`, or a comma list of origins (`https://app.example.com`, with a port
 * where it has one, no path). Unset: any origin outside production, none in production, where
 * browsers must be named.
 */
function corsOrigins(raw: string | undefined, production: boolean): CorsOrigins {
  if (raw === undefined || raw.trim() === '') return production ? [] : 'reflect'
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (items.includes('*')) {
    if (items.length > 1) throw new ConfigError('HERALD_CORS_ORIGINS: "*" stands alone')
    return '*'
  }
  for (const item of items) {
    let origin: string | null = null
    try {
      origin = new URL(item).origin
    } catch {}
    // An origin is what a browser sends in its Origin header: scheme, host and port, nothing more.
    if (origin !== item || !/^https?:/.test(item)) {
      throw new ConfigError(
        `HERALD_CORS_ORIGINS: "${item}" is not an origin; write it as a browser sends it, e.g. https://app.example.com or http://localhost:3000 (no path, no trailing slash)`,
      )
    }
  }
  return Object.freeze([...new Set(items)])
}

/** A metrics token short enough to guess protects nothing: refuse it. */
function metricsToken(raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null
  if (raw.length < 16 || /\s/.test(raw))
    throw new ConfigError('HERALD_METRICS_TOKEN must be at least 16 characters, without spaces')
  return raw
}

/**
 * The development secret kept in the data directory, created on first start; the directory
 * (0700) and the file (0600) are checked on every start.
 */
function devSecret(dataDir: string): string {
  const file = join(dataDir, 'dev-secret')
  privateDir(dataDir)
  if (existsSync(file)) {
    privateFile(file)
    return readFileSync(file, 'utf8').trim()
  }
  const secret = randomBytes(32).toString('base64url')
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' })
  return secret
}

/** Reads and validates the environment once; the result is frozen. */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const production = env.NODE_ENV === 'production'
  const dataDir = resolve(env.HERALD_DATA_DIR ?? './data')
  const publicKeys = (env.HERALD_JWT_PUBLIC_KEYS ?? '')
    .split(/(?=-----BEGIN PUBLIC KEY-----)/)
    .map((k) => k.trim())
    .filter(Boolean)
  const jwksUrl = env.HERALD_JWKS_URL || null
  let secret = env.HERALD_JWT_SECRET || null
  let generatedSecret = false
  if (!secret && publicKeys.length === 0 && !jwksUrl) {
    if (production) {
      throw new ConfigError(
        'NODE_ENV=production needs HERALD_JWT_SECRET, HERALD_JWT_PUBLIC_KEYS or HERALD_JWKS_URL',
      )
    }
    secret = devSecret(dataDir)
    generatedSecret = true
  }
  if (secret && secret.length < 32)
    throw new ConfigError('HERALD_JWT_SECRET must be at least 32 characters')
  const databaseUrl = env.DATABASE_URL || join(dataDir, 'pglite')
  // With the embedded store, PostgreSQL's own work is on another thread and this one has time
  // to spare: collecting more often costs it no throughput, and keeps the process near what it
  // holds (heap-growth.ts). With PostgreSQL this thread is the busy one, and V8 chooses.
  const heapGrowth = isPostgresUrl(databaseUrl) ? 0 : 30
  return Object.freeze({
    host: env.HERALD_HOST ?? '127.0.0.1',
    port: int(env, 'HERALD_PORT', 8787, 0, 65_535),
    production,
    dataDir,
    databaseUrl,
    database: {
      poolSize: int(env, 'HERALD_DB_POOL_SIZE', 10, 1, 1000),
      statementTimeoutMs: int(env, 'HERALD_DB_STATEMENT_TIMEOUT_MS', 10_000, 100),
    },
    shutdownTimeoutMs: int(env, 'HERALD_SHUTDOWN_TIMEOUT_MS', 10_000, 0),
    redisUrl: env.REDIS_URL || null,
    redisPrefix: env.HERALD_REDIS_PREFIX ?? 'herald:',
    tokens: {
      secret,
      publicKeys,
      jwksUrl,
      issuer: env.HERALD_JWT_ISSUER || null,
      audience: env.HERALD_JWT_AUDIENCE || null,
    },
    generatedSecret,
    bodyLimit: int(env, 'HERALD_BODY_LIMIT', 1024 * 1024, 1024),
    rateLimit: {
      max: int(env, 'HERALD_RATE_LIMIT', 6000, 1),
      // A producer fans out for a whole application: 300,000 a minute is 5,000 a second.
      producerMax: int(env, 'HERALD_RATE_LIMIT_PRODUCER', 300_000, 1),
      addressMax: int(env, 'HERALD_RATE_LIMIT_ADDRESS', 300, 1),
      windowMs: int(env, 'HERALD_RATE_WINDOW_MS', 60_000, 1000),
    },
    trustProxy: trustProxy(env.HERALD_TRUST_PROXY),
    dialects: dialects(env),
    logLevel: env.LOG_LEVEL ?? (production ? 'info' : 'warn'),
    metricsToken: metricsToken(env.HERALD_METRICS_TOKEN),
    pgliteFsync: bool(env, 'HERALD_PGLITE_FSYNC', true),
    pgliteSharedBuffersMb: int(env, 'HERALD_PGLITE_SHARED_BUFFERS_MB', 16, 1, 8192),
    pgliteOptimize: onOff(env, 'HERALD_PGLITE_OPTIMIZE', false),
    heapGrowthPercent: int(env, 'HERALD_HEAP_GROWTH_PERCENT', heapGrowth, 0, 300),
    pgliteQueuePerUser: int(env, 'HERALD_PGLITE_QUEUE_PER_USER', 128, 1, 100_000),
    cleanup: {
      idempotencyTtlMs: int(env, 'HERALD_IDEMPOTENCY_TTL_MS', 86_400_000, 1000),
      intervalMs: int(env, 'HERALD_CLEANUP_INTERVAL_MS', 60_000, 10),
      chunk: int(env, 'HERALD_CLEANUP_CHUNK', 1000, 1, 100_000),
    },
    scheduler: {
      enabled: onOff(env, 'HERALD_SCHEDULER', true),
      intervalMs: int(env, 'HERALD_SCHEDULER_INTERVAL_MS', 1000, 10, 3_600_000),
      batch: int(env, 'HERALD_SCHEDULER_BATCH', 100, 1, 10_000),
      // Ten years at most: a time past it is a mistake (a timestamp in ms read as s, say).
      horizonMs: int(env, 'HERALD_SCHEDULE_HORIZON_MS', 365 * 86_400_000, 1000, 3650 * 86_400_000),
    },
    broadcasts: {
      min: int(env, 'HERALD_BROADCAST_MIN', 100_000, 1),
      recheckMs: int(env, 'HERALD_BROADCAST_RECHECK_MS', 1000, 0, 3_600_000),
    },
    adminReach: onOff(env, 'HERALD_ADMIN_REACH', true),
    demo: !production && onOff(env, 'HERALD_DEMO', true),
    stream: {
      maxPerUser: int(env, 'HERALD_STREAM_MAX_PER_USER', 5, 1, 1000),
      max: int(env, 'HERALD_STREAM_MAX', 10_000, 1),
      replayMax: int(env, 'HERALD_STREAM_REPLAY_MAX', 1000, 1, 100_000),
      bufferBytes: int(env, 'HERALD_STREAM_BUFFER_BYTES', 256 * 1024, 1024),
      stallMs: int(env, 'HERALD_STREAM_STALL_MS', 10_000, 10, 600_000),
      reads: int(env, 'HERALD_STREAM_READS', 8, 1, 1000),
    },
    polling: {
      intervalS: int(env, 'HERALD_POLL_INTERVAL_S', 30, 1, 86_400),
      versionUsers: int(env, 'HERALD_ETAG_USERS', 100_000, 1, 10_000_000),
      versionLifetimeMs: int(env, 'HERALD_ETAG_LIFETIME_S', 300, 1, 86_400) * 1000,
    },
    limits: {
      filterText: int(env, 'HERALD_MAX_FILTER_TEXT', 256, 1, 4096),
      ids: int(env, 'HERALD_MAX_IDS', 1000, 1, 100_000),
      countCap: int(env, 'HERALD_COUNT_CAP', 1000, 1, 10_000_000),
      contentWindow: int(env, 'HERALD_CONTENT_FILTER_WINDOW', 10_000, 0, 100_000_000),
    },
    corsOrigins: corsOrigins(env.HERALD_CORS_ORIGINS, production),
    webhooks: {
      allowPrivate: bool(env, 'HERALD_WEBHOOK_ALLOW_PRIVATE', false),
      maxEndpoints: int(env, 'HERALD_WEBHOOK_MAX_ENDPOINTS', 20, 1, 1000),
      maxAttempts: int(env, 'HERALD_WEBHOOK_MAX_ATTEMPTS', 8, 1, 20),
      retryBaseMs: int(env, 'HERALD_WEBHOOK_RETRY_BASE_MS', 30_000, 1, 3_600_000),
      timeoutMs: int(env, 'HERALD_WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
      concurrency: int(env, 'HERALD_WEBHOOK_CONCURRENCY', 16, 1, 1000),
      pollMs: int(env, 'HERALD_WEBHOOK_POLL_MS', 1000, 10, 600_000),
      retentionMs: int(env, 'HERALD_WEBHOOK_RETENTION_MS', 7 * 86_400_000, 60_000),
      queueMax: int(env, 'HERALD_WEBHOOK_QUEUE_MAX', 10_000, 100, 10_000_000),
    },
  })
}
