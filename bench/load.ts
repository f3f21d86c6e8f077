import { Agent, request } from 'node:http'
import autocannon from 'autocannon'
import { type CpuPerRequest, type CpuWatch, withCpu } from './cpu.ts'

export interface LoadRequest {
  method: 'GET' | 'POST'
  path: string
  headers: Record<string, string>
  body?: string
}

export interface LoadSpec {
  url: string
  /** `autocannon`: throughput at `connections`; `probe`: one request at a time, exact latency. */
  mode: 'autocannon' | 'probe'
  connections: number
  seconds: number
  warmupSeconds: number
  /**
   * When set, every run (warm-up included) ends after this many requests instead of after its
   * seconds: the smoke test's loads, whose request counts must not depend on the machine's speed.
   */
  amount?: number
  /** Each request picks one at random. */
  requests: LoadRequest[]
  /** A status outside 2xx that is this load's expected answer (304 for conditional polls). */
  okStatus?: number
  /** Whose CPU time the measured run reads besides the load generator's (see cpu.ts). */
  cpu?: CpuWatch
}

export interface LoadResult {
  requests: number
  rps: number
  p50: number
  p99: number
  /** Responses outside 2xx, and socket errors or timeouts: a run with any is not valid. */
  bad: number
  /** CPU time per request of the load generator, the server and the database (cpu.ts). */
  cpu?: CpuPerRequest
}

const pick = (list: LoadRequest[]): LoadRequest =>
  list[Math.floor(Math.random() * list.length)] ?? (list[0] as LoadRequest)

/** How many answers had the load's expected status outside 2xx. */
const expected = (stats: Record<string, { count?: number }> | undefined, status?: number) =>
  status === undefined ? 0 : (stats?.[String(status)]?.count ?? 0)

async function cannon(spec: LoadSpec, seconds: number): Promise<LoadResult> {
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    pipelining: 1,
    // Slow runs are reported with their latency, not dropped as timeouts.
    timeout: 60,
    ...(spec.amount === undefined ? { duration: seconds } : { amount: spec.amount }),
    requests: [
      {
        setupRequest: (req) => {
          const r = pick(spec.requests)
          return { ...req, method: r.method, path: r.path, headers: r.headers, body: r.body }
        },
      },
    ],
  })
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    bad: result.non2xx - expected(result.statusCodeStats, spec.okStatus) + result.errors,
  }
}

function once(agent: Agent, base: URL, r: LoadRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path: r.path,
        method: r.method,
        headers: r.headers,
        agent,
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end(r.body)
  })
}

/** A load's figures from each request's time (ms), the seconds it ran and its failures. */
export const summarise = (times: readonly number[], elapsed: number, bad: number) => ({
  requests: times.length,
  rps: times.length / elapsed,
  p50: quantile(times, 0.5),
  p99: quantile(times, 0.99),
  bad,
})

/** The q-quantile (0 ≤ q ≤ 1) of some timings, by the nearest rank below; 0 for none. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0
}

/** Sequential requests timed with the high-resolution clock: latency without queueing. */
async function probe(spec: LoadSpec, seconds: number): Promise<LoadResult> {
  const base = new URL(spec.url)
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const times: number[] = []
  let bad = 0
  const start = performance.now()
  const end = start + seconds * 1000
  const more = () =>
    spec.amount === undefined ? performance.now() < end : times.length < spec.amount
  while (more()) {
    const t0 = performance.now()
    const status = await once(agent, base, pick(spec.requests))
    times.push(performance.now() - t0)
    if ((status < 200 || status >= 300) && status !== spec.okStatus) bad++
  }
  agent.destroy()
  const elapsed = spec.amount === undefined ? seconds : (performance.now() - start) / 1000
  return summarise(times, elapsed, bad)
}

/** One measured load: a warm-up run whose figures are dropped, then the measured run. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const run = spec.mode === 'probe' ? probe : cannon
  if (spec.warmupSeconds > 0) await run(spec, spec.warmupSeconds)
  return withCpu(spec.cpu, () => run(spec, spec.seconds))
}
