import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { exportSPKI, generateKeyPair } from 'jose'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { describeEngines, SECRET } from '../support/harness.ts'

const dirs: string[] = []
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'herald-config-'))
  dirs.push(d)
  return d
}

describe('loadConfig', () => {
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  test('no configuration: embedded store in the data dir, loopback, a generated dev secret', () => {
    const dir = tempDir()
    const c = loadConfig({ HERALD_DATA_DIR: dir })
    assert.equal(c.host, '127.0.0.1')
    assert.equal(c.port, 8787)
    assert.equal(c.production, false)
    assert.equal(c.databaseUrl, join(dir, 'pglite'))
    assert.equal(c.generatedSecret, true)
    const file = join(dir, 'dev-secret')
    assert.equal(readFileSync(file, 'utf8').trim(), c.tokens.secret)
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.ok((c.tokens.secret ?? '').length >= 32)
    assert.equal(loadConfig({ HERALD_DATA_DIR: dir }).tokens.secret, c.tokens.secret, 'reused')
    assert.equal(c.dialects.length, 5)
    assert.ok(Object.isFrozen(c))
  })

  test('numbers must be integers in range', () => {
    const base = { HERALD_JWT_SECRET: SECRET }
    const bad: Record<string, string[]> = {
      HERALD_PORT: ['abc', '-1', '1.5', '70000'],
      HERALD_BODY_LIMIT: ['10', 'big', '1e400'],
      HERALD_RATE_LIMIT: ['0', '-5', 'lots'],
      HERALD_RATE_LIMIT_ADDRESS: ['0', 'many'],
      HERALD_RATE_WINDOW_MS: ['10', 'x'],
    }
    for (const [name, values] of Object.entries(bad)) {
      for (const v of values) {
        assert.throws(
          () => loadConfig({ ...base, [name]: v }),
          (e: unknown) => e instanceof ConfigError && e.message.includes(name),
          `${name}=${v}`,
        )
      }
    }
    const ok = loadConfig({
      ...base,
      HERALD_PORT: '0',
      HERALD_BODY_LIMIT: '2048',
      HERALD_RATE_LIMIT: '7',
      HERALD_RATE_LIMIT_ADDRESS: '3',
    })
    assert.deepEqual(
      [ok.port, ok.bodyLimit, ok.rateLimit.max, ok.rateLimit.addressMax],
      [0, 2048, 7, 3],
    )
  })

  test('producer limit, embedded durability and clean-up have defaults and are validated', () => {
    const base = { HERALD_JWT_SECRET: SECRET }
    const d = loadConfig(base)
    assert.equal(d.rateLimit.producerMax, 300_000)
    assert.equal(d.pgliteFsync, true)
    assert.deepEqual(d.cleanup, { idempotencyTtlMs: 86_400_000, intervalMs: 60_000, chunk: 1000 })
    const set = loadConfig({
      ...base,
      HERALD_RATE_LIMIT_PRODUCER: '9',
      HERALD_PGLITE_FSYNC: 'false',
      HERALD_IDEMPOTENCY_TTL_MS: '5000',
      HERALD_CLEANUP_INTERVAL_MS: '100',
      HERALD_CLEANUP_CHUNK: '10',
    })
    assert.equal(set.rateLimit.producerMax, 9)
    assert.equal(set.pgliteFsync, false)
    assert.deepEqual(set.cleanup, { idempotencyTtlMs: 5000, intervalMs: 100, chunk: 10 })
    assert.throws(() => loadConfig({ ...base, HERALD_PGLITE_FSYNC: 'maybe' }), ConfigError)
    assert.throws(() => loadConfig({ ...base, HERALD_RATE_LIMIT_PRODUCER: '0' }), ConfigError)
  })

  test("the heap's growth between collections: 30 on the embedded store, V8's own (0) on PostgreSQL, or a percentage", () => {
    const base = { HERALD_JWT_SECRET: SECRET }
    assert.equal(loadConfig(base).heapGrowthPercent, 30)
    const postgres = { ...base, DATABASE_URL: 'postgres://h/db' }
    assert.equal(loadConfig(postgres).heapGrowthPercent, 0)
    assert.equal(
      loadConfig({ ...postgres, HERALD_HEAP_GROWTH_PERCENT: '20' }).heapGrowthPercent,
      20,
    )
    assert.equal(loadConfig({ ...base, HERALD_HEAP_GROWTH_PERCENT: '0' }).heapGrowthPercent, 0)
    assert.equal(loadConfig({ ...base, HERALD_HEAP_GROWTH_PERCENT: '20' }).heapGrowthPercent, 20)
    assert.equal(loadConfig({ ...base, HERALD_HEAP_GROWTH_PERCENT: '50' }).heapGrowthPercent, 50)
    for (const bad of ['301', '-1', '12.5', 'lots']) {
      assert.throws(
        () => loadConfig({ ...base, HERALD_HEAP_GROWTH_PERCENT: bad }),
        (e: unknown) => e instanceof ConfigError && /HERALD_HEAP_GROWTH_PERCENT/.test(e.message),
      )
    }
  })

  test("the embedded store's memory: 16 MB of shared buffers and the baseline compiler by default", () => {
    const base = { HERALD_JWT_SECRET: SECRET }
    const d = loadConfig(base)
    assert.equal(d.pgliteSharedBuffersMb, 16)
    assert.equal(d.pgliteOptimize, false)
    const set = loadConfig({
      ...base,
      HERALD_PGLITE_SHARED_BUFFERS_MB: '64',
      HERALD_PGLITE_OPTIMIZE: 'on',
    })
    assert.equal(set.pgliteSharedBuffersMb, 64)
    assert.equal(set.pgliteOptimize, true)
    assert.equal(loadConfig({ ...base, HERALD_PGLITE_OPTIMIZE: 'off' }).pgliteOptimize, false)
    for (const bad of ['yes', 'true', '1']) {
      assert.throws(
        () => loadConfig({ ...base, HERALD_PGLITE_OPTIMIZE: bad }),
        (e: unknown) => e instanceof ConfigError && /HERALD_PGLITE_OPTIMIZE/.test(e.message),
      )
    }
  })

  test("admins' reach into other inboxes: on by default, on or off, anything else refused", () => {
    const base = { HERALD_JWT_SECRET: SECRET }
    assert.equal(loadConfig(base).adminReach, true)
    assert.equal(loadConfig({ ...base, HERALD_ADMIN_REACH: 'on' }).adminReach, true)
    assert.equal(loadConfig({ ...base, HERALD_ADMIN_REACH: 'off' }).adminReach, false)
    for (const bad of ['false', 'OFF', 'no', '0']) {
      assert.throws(
        () => loadConfig({ ...base, HERALD_ADMIN_REACH: bad }),
        (e: unknown) => e instanceof ConfigError && e.message.includes('HERALD_ADMIN_REACH'),
      )
    }
  })

  test('the live demo: on by default outside production, off with HERALD_DEMO=off, never in production', () => {
    const base = { HERALD_JWT_SECRET: SECRET }
    assert.equal(loadConfig(base).demo, true)
    assert.equal(loadConfig({ ...base, HERALD_DEMO: 'off' }).demo, false)
    assert.equal(loadConfig({ ...base, NODE_ENV: 'production' }).demo, false)
    assert.equal(loadConfig({ ...base, NODE_ENV: 'production', HERALD_DEMO: 'on' }).demo, false)
    assert.throws(() => loadConfig({ ...base, HERALD_DEMO: 'yes' }), ConfigError)
  })

  test('the metrics token: none by default, refused when short enough to guess', () => {
    const base = { HERALD_JWT_SECRET: SECRET }
    assert.equal(loadConfig(base).metricsToken, null)
    const token = 'metrics-token-0123456789'
    assert.equal(loadConfig({ ...base, HERALD_METRICS_TOKEN: token }).metricsToken, token)
    assert.throws(
      () => loadConfig({ ...base, HERALD_METRICS_TOKEN: 'short' }),
      (e: unknown) => e instanceof ConfigError && /HERALD_METRICS_TOKEN/.test(e.message),
    )
  })

  test('CORS origins: any outside production, none in production, a list, or *', () => {
    const base = { HERALD_JWT_SECRET: SECRET }
    assert.equal(loadConfig(base).corsOrigins, 'reflect')
    assert.deepEqual(loadConfig({ ...base, NODE_ENV: 'production' }).corsOrigins, [])
    assert.equal(
      loadConfig({ ...base, NODE_ENV: 'production', HERALD_CORS_ORIGINS: '*' }).corsOrigins,
      '*',
    )
    assert.deepEqual(
      loadConfig({
        ...base,
        HERALD_CORS_ORIGINS:
          'https://app.example.com, http://localhost:5173,https://app.example.com',
      }).corsOrigins,
      ['https://app.example.com', 'http://localhost:5173'],
    )
    for (const v of [
      'https://app.example.com/',
      'https://app.example.com/inbox',
      'app.example.com',
      'HTTPS://APP.EXAMPLE.COM',
      'https://app.example.com:443',
      'ftp://files.example.com',
      'null',
      '*, https://app.example.com',
    ]) {
      assert.throws(
        () => loadConfig({ ...base, HERALD_CORS_ORIGINS: v }),
        (e: unknown) => e instanceof ConfigError && e.message.startsWith('HERALD_CORS_ORIGINS'),
        v,
      )
    }
  })

  test('proxy trust and the Redis prefix', () => {
    const base = { HERALD_JWT_SECRET: SECRET }
    const plain = loadConfig(base)
    assert.equal(plain.trustProxy, false)
    assert.equal(plain.redisPrefix, 'herald:')
    assert.equal(loadConfig({ ...base, HERALD_TRUST_PROXY: 'true' }).trustProxy, true)
    const listed = loadConfig({ ...base, HERALD_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' })
    assert.deepEqual(listed.trustProxy, ['127.0.0.1', '10.0.0.0/8'])
    assert.equal(loadConfig({ ...base, HERALD_REDIS_PREFIX: 'acme:' }).redisPrefix, 'acme:')
  })

  test('dialects: unknown names and relative prefixes refuse to start', () => {
    const base = { HERALD_JWT_SECRET: SECRET }
    assert.throws(
      () => loadConfig({ ...base, HERALD_DIALECTS: 'ondi,nope' }),
      /unknown dialect "nope"/,
    )
    assert.throws(
      () => loadConfig({ ...base, HERALD_DIALECTS: 'ondi', HERALD_PREFIX_ONDI: 'api' }),
      /HERALD_PREFIX_ONDI/,
    )
    const c = loadConfig({ ...base, HERALD_DIALECTS: ' kendo , ondi', HERALD_PREFIX_ONDI: '/o/' })
    assert.deepEqual(c.dialects, [
      { name: 'kendo', prefix: '/compat/kendo' },
      { name: 'ondi', prefix: '/o' },
    ])
  })

  test('production refuses to start without keys, and never writes a dev secret', () => {
    const dir = tempDir()
    assert.throws(
      () => loadConfig({ NODE_ENV: 'production', HERALD_DATA_DIR: dir }),
      (e: unknown) => e instanceof ConfigError && /HERALD_JWT_SECRET/.test(e.message),
    )
    assert.throws(() => statSync(join(dir, 'dev-secret')))
    const c = loadConfig({
      NODE_ENV: 'production',
      HERALD_JWT_SECRET: SECRET,
      HERALD_DATA_DIR: dir,
    })
    assert.equal(c.production, true)
    assert.equal(c.generatedSecret, false)
    assert.equal(c.logLevel, 'info')
  })

  test('stream bounds have defaults and are validated', () => {
    const base = { HERALD_JWT_SECRET: SECRET }
    assert.deepEqual(loadConfig(base).stream, {
      maxPerUser: 5,
      max: 10_000,
      replayMax: 1000,
      bufferBytes: 256 * 1024,
      stallMs: 10_000,
      reads: 8,
    })
    const set = loadConfig({
      ...base,
      HERALD_STREAM_MAX_PER_USER: '2',
      HERALD_STREAM_MAX: '50',
      HERALD_STREAM_REPLAY_MAX: '10',
      HERALD_STREAM_BUFFER_BYTES: '65536',
      HERALD_STREAM_STALL_MS: '500',
      HERALD_STREAM_READS: '2',
    })
    assert.deepEqual(set.stream, {
      maxPerUser: 2,
      max: 50,
      replayMax: 10,
      bufferBytes: 65536,
      stallMs: 500,
      reads: 2,
    })
    for (const [name, value] of [
      ['HERALD_STREAM_MAX_PER_USER', '0'],
      ['HERALD_STREAM_MAX', 'many'],
      ['HERALD_STREAM_REPLAY_MAX', '0'],
      ['HERALD_STREAM_BUFFER_BYTES', '100'],
      ['HERALD_STREAM_STALL_MS', '5'],
      ['HERALD_STREAM_READS', '0'],
    ] as const) {
      assert.throws(() => loadConfig({ ...base, [name]: value }), new RegExp(name))
    }
  })

  test('the scheduler has defaults and is validated', () => {
    const base = { HERALD_JWT_SECRET: SECRET }
    assert.deepEqual(loadConfig(base).scheduler, {
      enabled: true,
      intervalMs: 1000,
      batch: 100,
      horizonMs: 365 * 86_400_000,
    })
    const set = loadConfig({
      ...base,
      HERALD_SCHEDULER: 'off',
      HERALD_SCHEDULER_INTERVAL_MS: '250',
      HERALD_SCHEDULER_BATCH: '10',
      HERALD_SCHEDULE_HORIZON_MS: '86400000',
    })
    assert.deepEqual(set.scheduler, {
      enabled: false,
      intervalMs: 250,
      batch: 10,
      horizonMs: 86_400_000,
    })
    for (const [name, value] of [
      ['HERALD_SCHEDULER', 'sometimes'],
      ['HERALD_SCHEDULER_INTERVAL_MS', '5'],
      ['HERALD_SCHEDULER_BATCH', '0'],
      ['HERALD_SCHEDULER_BATCH', '100001'],
      ['HERALD_SCHEDULE_HORIZON_MS', 'a year'],
      ['HERALD_SCHEDULE_HORIZON_MS', String(3651 * 86_400_000)],
    ] as const) {
      assert.throws(() => loadConfig({ ...base, [name]: value }), new RegExp(name))
    }
  })

  test('request bounds have defaults and are validated', () => {
    const base = { HERALD_JWT_SECRET: SECRET }
    assert.deepEqual(loadConfig(base).limits, {
      filterText: 256,
      ids: 1000,
      countCap: 1000,
      contentWindow: 10_000,
    })
    const set = loadConfig({
      ...base,
      HERALD_MAX_FILTER_TEXT: '64',
      HERALD_MAX_IDS: '5',
      HERALD_COUNT_CAP: '99',
      HERALD_CONTENT_FILTER_WINDOW: '0',
    })
    assert.deepEqual(set.limits, { filterText: 64, ids: 5, countCap: 99, contentWindow: 0 })
    for (const [name, value] of [
      ['HERALD_MAX_FILTER_TEXT', '0'],
      ['HERALD_MAX_FILTER_TEXT', '5000'],
      ['HERALD_MAX_IDS', '0'],
      ['HERALD_COUNT_CAP', 'lots'],
      ['HERALD_CONTENT_FILTER_WINDOW', '-1'],
    ] as const) {
      assert.throws(() => loadConfig({ ...base, [name]: value }), ConfigError, `${name}=${value}`)
    }
  })

  test('secrets and keys', async () => {
    assert.throws(() => loadConfig({ HERALD_JWT_SECRET: 'short' }), /at least 32/)
    const a = await exportSPKI((await generateKeyPair('RS256')).publicKey)
    const b = await exportSPKI((await generateKeyPair('ES256')).publicKey)
    const c = loadConfig({ NODE_ENV: 'production', HERALD_JWT_PUBLIC_KEYS: `${a}\n${b}` })
    assert.equal(c.tokens.publicKeys.length, 2)
    assert.equal(c.tokens.secret, null)
    const d = loadConfig({
      HERALD_JWT_SECRET: SECRET,
      HERALD_JWT_ISSUER: 'i',
      HERALD_JWT_AUDIENCE: 'a',
    })
    assert.deepEqual([d.tokens.issuer, d.tokens.audience], ['i', 'a'])
  })
})

describeEngines('operational endpoints', (get) => {
  test('/healthz and /readyz', async () => {
    const h = get()
    const health = await h.app.inject({ url: '/healthz' })
    assert.deepEqual([health.statusCode, health.json()], [200, { status: 'ok' }])
    const ready = await h.app.inject({ url: '/readyz' })
    assert.deepEqual([ready.statusCode, ready.json()], [200, { status: 'ready' }])
  })

  test('/metrics exposes request durations by route', async () => {
    const h = get()
    await h.app.inject({ url: '/healthz' })
    const res = await h.app.inject({ url: '/metrics' })
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /text\/plain/)
    assert.match(res.body, /herald_http_request_duration_seconds_bucket\{[^}]*route="\/healthz"/)
  })

  test('/openapi.json is OpenAPI 3.1 and lists every native route; /docs serves', async () => {
    const h = get()
    const doc = (await h.app.inject({ url: '/openapi.json' })).json()
    assert.equal(doc.openapi, '3.1.0')
    const expected: Record<string, string[]> = {
      '/v1/notifications': ['post'],
      '/v1/api-keys': ['post'],
      '/v1/users': ['get'],
      '/v1/users/{userId}': ['put', 'get', 'delete'],
      '/v1/topics/{topic}/subscribers': ['put', 'get'],
      '/v1/me/notifications': ['get'],
      '/v1/me/notifications/{id}': ['get', 'delete'],
      '/v1/me/notifications/{id}/{action}': ['post'],
      '/v1/me/notifications/bulk': ['post'],
      '/v1/me/counts': ['get', 'post'],
      '/v1/me/checkpoint': ['get', 'put'],
    }
    for (const [path, methods] of Object.entries(expected)) {
      for (const m of methods) assert.ok(doc.paths[path]?.[m], `${m} ${path} is documented`)
    }
    assert.ok(!doc.paths['/healthz'], 'operational routes are hidden')
    const docs = await h.app.inject({ url: '/docs' })
    assert.ok([200, 302].includes(docs.statusCode), String(docs.statusCode))
    const page = await h.app.inject({ url: '/docs/' })
    assert.ok([200, 302].includes(page.statusCode))
  })
})
