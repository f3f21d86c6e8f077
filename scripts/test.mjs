// Runs the whole suite with node's test runner. Under CI=true PostgreSQL must be reachable: it is
// started if it is down, and the run fails if it still is not.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import pg from 'pg'
import { distIsCurrent } from '../bin/dist-state.js'
import { ensureChromium } from './ensure-chromium.mjs'

const url = process.env.HERALD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

async function reachable() {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  try {
    await c.connect()
    await c.end()
    return true
  } catch {
    return false
  }
}

if (!(await reachable())) {
  console.log(`PostgreSQL is not reachable at ${url}; trying to start it`)
  spawnSync(
    'sh',
    ['-c', 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'],
    { stdio: 'inherit' },
  )
  if (!(await reachable())) {
    if (process.env.CI === 'true') {
      console.error('PostgreSQL is required under CI=true and could not be reached')
      process.exit(1)
    }
    console.log('PostgreSQL suites will be skipped')
  }
}

// Redis backs the shared rate-limit and event suites; started the same way when it is down.
const redisUp = () =>
  spawnSync('redis-cli', ['-u', redisUrl, 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG'
const redisUrl = process.env.HERALD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
if (!redisUp()) {
  console.log(`Redis is not reachable at ${redisUrl}; trying to start it`)
  spawnSync(
    'redis-server',
    [
      '--daemonize',
      'yes',
      '--bind',
      '127.0.0.1',
      '--port',
      '6379',
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: 'inherit' },
  )
  for (let i = 0; i < 20 && !redisUp(); i++) await new Promise((r) => setTimeout(r, 250))
  if (!redisUp()) {
    if (process.env.CI === 'true') {
      console.error('Redis is required under CI=true and could not be reached')
      process.exit(1)
    }
    console.log('Redis suites will be skipped')
  }
}

const files = readdirSync('test', { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => join('test', f))
  .sort()
const only = process.argv.slice(2)
let selected = only.length > 0 ? files.filter((f) => only.some((o) => f.includes(o))) : files

// The browser suites (test/browser) drive Debian's chromium and load the bundles as built now.
const browserSuite = (f) => f.startsWith(join('test', 'browser'))
const wantsBrowser = selected.some(browserSuite)
if (wantsBrowser) {
  if (!ensureChromium()) {
    selected = selected.filter((f) => !browserSuite(f))
  } else {
    const built = spawnSync(process.execPath, ['scripts/build-browser.mjs'], { stdio: 'inherit' })
    if (built.status !== 0) process.exit(built.status ?? 1)
  }
}
if (selected.length === 0) {
  // Only browser suites were asked for, and they are skipped (said above): nothing failed.
  if (wantsBrowser) process.exit(0)
  console.error(`No test file matches ${only.join(', ')}`)
  process.exit(1)
}

// Suites that start the real command (test/support/cli.ts, child-server.ts) run bin/herald.js,
// which runs dist/ only when it is as new as src/: compile it first when it is not.
if (!distIsCurrent()) {
  const built = spawnSync(process.execPath, ['scripts/build-server.mjs'], { stdio: 'inherit' })
  if (built.status !== 0) process.exit(built.status ?? 1)
}

// One migrated embedded store for every suite to start from (see scripts/pglite-snapshot.ts).
const snapshot = join(mkdtempSync(join(tmpdir(), 'herald-test-')), 'pglite.tar')
const made = spawnSync(
  process.execPath,
  ['--import', 'tsx', 'scripts/pglite-snapshot.ts', snapshot],
  {
    stdio: 'inherit',
  },
)
if (made.status !== 0) process.exit(made.status ?? 1)

const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', ...selected],
  { stdio: 'inherit', env: { ...process.env, HERALD_TEST_PGLITE_SNAPSHOT: snapshot } },
)
rmSync(dirname(snapshot), { recursive: true, force: true })
process.exit(res.status ?? 1)
