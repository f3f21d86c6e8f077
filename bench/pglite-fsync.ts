// What flushing every commit to the disk costs the embedded store: send-to-one over HTTP, one at a
// time for a few seconds, and one send to 50,000 recipients, with HERALD_PGLITE_FSYNC on and off
// in the same run (alternating rounds, each on a fresh data directory on this machine's disk).
// Usage: node --import tsx bench/pglite-fsync.ts [--seconds 5] [--rounds 2] [--recipients 50000]
import { mkdtempSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from '../src/config.ts'
import { buildHerald } from '../src/server.ts'
import { bigSend } from './bulk.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    recipients: { type: 'string', default: '50000' },
  },
})
const seconds = Number(values.seconds)
const recipients = Number(values.recipients)

/** Sequential sends to one recipient for `ms`: the acknowledged rate and the median latency. */
async function sendToOne(base: string, key: string, ms: number) {
  const latencies: number[] = []
  const end = performance.now() + ms
  while (performance.now() < end) {
    const t = performance.now()
    const res = await fetch(`${base}/v1/notifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: { users: ['alice'] }, type: 'comment', title: 'Hello' }),
    })
    if (res.status !== 201) throw new Error(`send answered ${res.status}: ${await res.text()}`)
    latencies.push(performance.now() - t)
  }
  latencies.sort((a, b) => a - b)
  return { perSecond: latencies.length / (ms / 1000), p50: latencies[latencies.length >> 1] ?? 0 }
}

async function round(fsync: boolean) {
  // Under the working directory, not /tmp: the figure is about the disk the data would live on.
  const dir = mkdtempSync(join(resolve('.'), '.bench-fsync-'))
  const herald = await buildHerald({
    config: loadConfig({
      DATABASE_URL: join(dir, 'pglite'),
      HERALD_JWT_SECRET: 'x'.repeat(32),
      HERALD_PGLITE_FSYNC: String(fsync),
    }),
  })
  try {
    const base = await herald.app.listen({ host: '127.0.0.1', port: 0 })
    const { key } = await herald.auth.createApiKey('bench', null)
    await sendToOne(base, key, 500) // warm-up: JIT, plans, the first WAL segment
    const one = await sendToOne(base, key, seconds * 1000)
    const big = await bigSend(base, key, recipients)
    return { fsync, ...one, bigSeconds: big.seconds }
  } finally {
    await herald.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

const results: Array<Awaited<ReturnType<typeof round>>> = []
for (let r = 0; r < Number(values.rounds); r++) {
  for (const fsync of [false, true]) results.push(await round(fsync))
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)
const summary = (fsync: boolean) => {
  const rs = results.filter((r) => r.fsync === fsync)
  return {
    perSecond: mean(rs.map((r) => r.perSecond)),
    p50: mean(rs.map((r) => r.p50)),
    big: mean(rs.map((r) => r.bigSeconds)),
  }
}
const off = summary(false)
const on = summary(true)
console.log(`PGlite fsync, ${results.length / 2} round(s) each, ${seconds} s of sends per round`)
console.log('fsync | send to one (req/s) | p50 ms | send to %s (s)', recipients.toLocaleString())
for (const [label, s] of [['off', off] as const, ['on', on] as const]) {
  console.log(
    `${label.padEnd(5)} | ${s.perSecond.toFixed(0).padStart(19)} | ${s.p50.toFixed(2).padStart(6)} | ${s.big.toFixed(3)}`,
  )
}
console.log(
  `on / off: send to one ${(on.perSecond / off.perSecond).toFixed(2)}×, big send ${(on.big / off.big).toFixed(2)}× the time`,
)
