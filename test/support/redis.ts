import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { after, before, test } from 'node:test'
import { Redis } from 'ioredis'
import { startHerald, type TestHerald } from './harness.ts'

/** Whether a Redis answers at `url` (`redis://host:port`), without retrying. */
export async function redisAnswers(url: string): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  r.on('error', () => {})
  try {
    await r.connect()
    return (await r.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    r.disconnect()
  }
}

/**
 * Whether a suite that needs Redis at `url` can run. When it cannot, a test saying so is declared
 * in the calling suite: skipped, or failed under CI=true, which requires Redis.
 */
export async function redisForSuite(url: string): Promise<boolean> {
  if (await redisAnswers(url)) return true
  const why = `Redis is not reachable at ${url}`
  test('Redis is reachable', { skip: process.env.CI === 'true' ? false : why }, () => {
    throw new Error(`${why}, and CI=true requires it`)
  })
  return false
}

export async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1')
  await once(s, 'listening')
  const { port } = s.address() as { port: number }
  s.close()
  return port
}

/** A Redis of this test's own (never the shared one), stopped and started at will. */
export function privateRedis(port: number) {
  let proc: ChildProcess | null = null
  const ping = () => redisAnswers(`redis://127.0.0.1:${port}`)

  return {
    async start() {
      proc = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      )
      for (let i = 0; i < 100 && !(await ping()); i++) await new Promise((r) => setTimeout(r, 50))
      assert.ok(await ping(), 'private Redis started')
    },
    async stop() {
      const p = proc
      proc = null
      if (p && p.exitCode === null) {
        p.kill('SIGKILL')
        await once(p, 'exit')
      }
    },
  }
}

/** Settings that send an instance's events to the Redis at `url`, under a prefix of its suite's own. */
export const onRedis = (url: string, more: Record<string, string> = {}) => ({
  REDIS_URL: url,
  HERALD_REDIS_PREFIX: `herald-test-${randomBytes(6).toString('hex')}:`,
  ...more,
})

/**
 * Two instances sharing one PostgreSQL store and the Redis of `env`, started before the calling
 * suite's tests (after `around.start`, say a private Redis) and closed after them, the second
 * first (then `around.stop`). A test takes them with `const { a, b } = pair`.
 */
export function twoInstances(
  env: Record<string, string>,
  around: { start?: () => Promise<void>; stop?: () => Promise<void> } = {},
) {
  const pair = {} as { a: TestHerald; b: TestHerald }
  before(async () => {
    await around.start?.()
    pair.a = await startHerald('postgres', env)
    pair.b = await startHerald('postgres', env, pair.a)
  })
  after(async () => {
    await pair.b?.close()
    await pair.a?.close()
    await around.stop?.()
  })
  return pair
}
