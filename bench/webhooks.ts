// Webhook delivery latency with a healthy receiver: sends to one user through the HTTP API, each
// firing send.completed to an endpoint on a local receiver; the latency of a delivery is from the
// send request's start to the receiver having the signed request. Also the send's own latency
// without any endpoint and with one, in the same run: the request only queues the event.
// Usage: node --import tsx bench/webhooks.ts [--engine pglite|postgres|both] [--sends 1000]
//        [--concurrency 1]
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { loadConfig } from '../src/config.ts'
import { buildHerald } from '../src/server.ts'
import { quantile } from './load.ts'

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'both' },
    sends: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '1' },
  },
})
const SENDS = Number(values.sends)
const CONCURRENCY = Number(values.concurrency)
const PG_URL = process.env.HERALD_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** A receiver that answers 204 at once and tells, per send title, when its event arrived. */
async function receiver() {
  const arrived = new Map<string, number>()
  const waiting = new Map<string, () => void>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const at = performance.now()
      res.writeHead(204).end()
      const title = JSON.parse(Buffer.concat(chunks).toString()).data.title as string
      arrived.set(title, at)
      waiting.get(title)?.()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrival: (title: string) =>
      arrived.has(title)
        ? Promise.resolve(arrived.get(title) as number)
        : new Promise<number>((resolve) =>
            waiting.set(title, () => resolve(arrived.get(title) as number)),
          ),
    close: () => new Promise((r) => server.close(r)),
  }
}

/** `SENDS` sends, `CONCURRENCY` at a time: each send's latency and, if asked, its delivery's. */
async function run(
  base: string,
  key: string,
  label: string,
  arrival?: (t: string) => Promise<number>,
) {
  const sendMs: number[] = []
  const deliveryMs: number[] = []
  let next = 0
  const lane = async () => {
    while (next < SENDS) {
      const title = `${label}-${next++}`
      const start = performance.now()
      const res = await fetch(`${base}/v1/notifications`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ to: { users: ['alice'] }, type: 'bench', title }),
      })
      if (res.status !== 201) throw new Error(`send answered ${res.status}`)
      await res.arrayBuffer()
      sendMs.push(performance.now() - start)
      if (arrival) deliveryMs.push((await arrival(title)) - start)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, lane))
  return { sendMs, deliveryMs }
}

const fmt = (xs: number[]) =>
  `p50 ${quantile(xs, 0.5).toFixed(1)} ms, p99 ${quantile(xs, 0.99).toFixed(1)} ms`

async function bench(engine: 'pglite' | 'postgres') {
  const schema = `bench_wh_${randomBytes(4).toString('hex')}`
  const herald = await buildHerald({
    config: loadConfig({
      DATABASE_URL: engine === 'postgres' ? PG_URL : 'memory://',
      HERALD_JWT_SECRET: 'x'.repeat(32),
      HERALD_WEBHOOK_ALLOW_PRIVATE: 'true',
      HERALD_RATE_LIMIT_PRODUCER: '100000000',
    }),
    schema: engine === 'postgres' ? schema : undefined,
    background: true,
  })
  const rx = await receiver()
  try {
    const base = await herald.app.listen({ host: '127.0.0.1', port: 0 })
    const { key } = await herald.auth.createApiKey('bench')
    // Warm-up, then the same sends without any endpoint: the baseline of the send itself.
    await run(base, key, 'warm')
    const without = await run(base, key, 'plain')
    const res = await fetch(`${base}/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: rx.url, events: ['send.completed'] }),
    })
    if (res.status !== 201) throw new Error(`registering answered ${res.status}`)
    const withHook = await run(base, key, 'hooked', rx.arrival)
    console.log(`${engine}: ${SENDS} sends, ${CONCURRENCY} at a time`)
    console.log(`  send, no endpoint:        ${fmt(without.sendMs)}`)
    console.log(`  send, one endpoint:       ${fmt(withHook.sendMs)}`)
    console.log(`  delivery (send start → receiver): ${fmt(withHook.deliveryMs)}`)
  } finally {
    await herald.close()
    await rx.close()
    if (engine === 'postgres') {
      const c = new pg.Client({ connectionString: PG_URL })
      await c.connect()
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      await c.end()
    }
  }
}

for (const e of values.engine === 'both' ? (['pglite', 'postgres'] as const) : [values.engine]) {
  if (e !== 'pglite' && e !== 'postgres') throw new Error(`--engine: pglite, postgres or both`)
  await bench(e)
}
