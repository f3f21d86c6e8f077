import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { test } from 'node:test'
import { Redis } from 'ioredis'

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
