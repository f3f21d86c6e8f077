// Rate counters in Redis, apart from rate-limit.ts: ioredis loads only where a Redis is configured.
import { Redis } from 'ioredis'
import { memoryCounter, type RateCounter, type Window } from './rate-limit.ts'

const HIT = `local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {c, redis.call('PTTL', KEYS[1])}`

/**
 * Counters shared by every instance through Redis. While Redis cannot be reached, each instance
 * counts in memory instead (limits stay enforced, per instance), and says so once in the log.
 */
export function redisCounter(
  url: string,
  prefix: string,
  windowMs: number,
  warn: (msg: string, err: unknown) => void,
): RateCounter {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  })
  redis.on('error', () => {})
  redis.connect().catch(() => {})
  const fallback = memoryCounter(windowMs)
  let degraded = false
  const run = async (key: string, script: string, local: (k: string) => Promise<Window>) => {
    try {
      const [count, ttl] = (await redis.eval(script, 1, `${prefix}${key}`, windowMs)) as number[]
      degraded = false
      return { count: count ?? 0, resetMs: Math.max(0, ttl ?? 0) }
    } catch (err) {
      if (!degraded) warn('rate limits counted per instance: Redis is unreachable', err)
      degraded = true
      return local(key)
    }
  }
  const PEEK = `return {tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('PTTL', KEYS[1])}`
  return {
    hit: (key) => run(key, HIT, fallback.hit),
    peek: (key) => run(key, PEEK, fallback.peek),
    async close() {
      redis.disconnect()
    },
  }
}

/** What a principal's requests are counted by: never the text of its credential. */
