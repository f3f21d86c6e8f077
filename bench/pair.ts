// `npm run bench -- --pair --a "NAME=value …" --b "NAME=value …" [--endpoints firstPage,…]
// [--rounds 6] [--seconds 5] [--size quick|tiny|full]`: two settings of `herald serve` on the
// embedded store, side by side on copies of one seeded store, their loads alternated (A then B,
// then B then A, …) so that a shared, noisy machine weighs on both alike. Each side's environment
// may carry NODE_OPTIONS. Prints each endpoint's request rate and the server's CPU time a request
// on both sides (the median over the rounds), B against A, and each server's memory at the end.
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { prepareFixtures } from './fixtures.ts'
import { quantile, runLoad } from './load.ts'
import { type EndpointName, endpointRequests } from './phases.ts'
import { SIZES, seed } from './seed.ts'
import { rssMb, spawnServe, startServer } from './server.ts'

/**
 * The endpoints a pair can run: those `herald serve` itself answers (not the bench's own routes),
 * whose requests can run again and again on both sides alike.
 */
export const PAIR_ENDPOINTS = [
  'unreadCount',
  'firstPage',
  'heavyFirstPage',
  'deepPage',
  'keysetPageN',
  'sendOne',
] as const satisfies readonly EndpointName[]
export type PairEndpoint = (typeof PAIR_ENDPOINTS)[number]

export interface PairOptions {
  a: Record<string, string>
  b: Record<string, string>
  endpoints: PairEndpoint[]
  rounds: number
  seconds: number
  size: keyof typeof SIZES
}

interface Side {
  /** Each round's requests a second and server CPU ms a request, by endpoint. */
  rps: Record<string, number[]>
  cpuMs: Record<string, number[]>
  rssMb: number
}

export interface PairResult {
  options: PairOptions
  a: Side
  b: Side
}

/** "A=1 B=two words" as an environment: a name in capitals and `=` starts each variable. */
export const envOf = (spec: string): Record<string, string> =>
  Object.fromEntries(
    spec
      .trim()
      .split(/\s+(?=[A-Z_][A-Z0-9_]*=)/)
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  )

interface Served {
  proc: ChildProcess
  url: string
  dir: string
}

async function serve(from: string, env: Record<string, string>): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-pair-'))
  cpSync(from, join(dir, 'pglite'), { recursive: true })
  const { proc, url } = await spawnServe(dir, join(dir, 'pglite'), {
    HERALD_ETAG_LIFETIME_S: '86400',
    LOG_LEVEL: 'warn',
    ...env,
  })
  return { proc, url, dir }
}

export async function runPair(o: PairOptions, log: (line: string) => void): Promise<PairResult> {
  // One seeded store, made in this process and closed, then copied for each side.
  log(`seeding the ${o.size} data set…`)
  const seeded = await startServer('pglite')
  const source = seeded.config.databaseUrl
  let fixtures: Awaited<ReturnType<typeof prepareFixtures>>
  try {
    await seed(seeded.herald.storage.db, SIZES[o.size])
    fixtures = await prepareFixtures(seeded, SIZES[o.size], 1_000)
  } finally {
    await seeded.herald.close()
  }
  const served: Served[] = []
  try {
    served.push(await serve(source, o.a), await serve(source, o.b))
    const [a, b] = served as [Served, Served]
    const requests = endpointRequests(fixtures)
    const sides = [a, b].map((): Side => ({ rps: {}, cpuMs: {}, rssMb: 0 })) as [Side, Side]
    for (let r = 0; r < o.rounds; r++) {
      for (const e of o.endpoints) {
        for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) {
          const s = served[i] as Served
          const res = await runLoad({
            url: s.url,
            mode: 'autocannon',
            connections: 50,
            seconds: o.seconds,
            warmupSeconds: 1,
            requests: requests[e],
            cpu: { serverPid: s.proc.pid },
          })
          if (res.bad > 0) throw new Error(`${i ? 'B' : 'A'} ${e}: ${res.bad} bad answers`)
          const side = sides[i] as Side
          side.rps[e] = [...(side.rps[e] ?? []), res.rps]
          side.cpuMs[e] = [...(side.cpuMs[e] ?? []), res.cpu?.server ?? Number.NaN]
        }
      }
      log(`round ${r + 1} of ${o.rounds} done`)
    }
    sides[0].rssMb = rssMb(a.proc.pid as number)
    sides[1].rssMb = rssMb(b.proc.pid as number)
    return { options: o, a: sides[0], b: sides[1] }
  } finally {
    for (const s of served) {
      if (s.proc.exitCode === null) {
        s.proc.kill('SIGTERM')
        await once(s.proc, 'exit')
      }
      rmSync(s.dir, { recursive: true, force: true })
    }
    rmSync(join(source, '..'), { recursive: true, force: true })
  }
}

const med = (xs: number[] | undefined) => quantile(xs ?? [], 0.5)
const spec = (env: Record<string, string>) =>
  Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ') || '(defaults)'

export function renderPair(r: PairResult): string {
  const o = r.options
  const lines = [
    `A: ${spec(o.a)}`,
    `B: ${spec(o.b)}`,
    `median of ${o.rounds} rounds of ${o.seconds} s at 50 connections, ${o.size} data set`,
    `${'endpoint'.padEnd(16)} ${'A req/s'.padStart(8)} ${'B req/s'.padStart(8)} ${'B/A'.padStart(5)}  ${'A CPU ms'.padStart(8)} ${'B CPU ms'.padStart(8)}`,
  ]
  for (const e of o.endpoints) {
    const a = med(r.a.rps[e])
    const b = med(r.b.rps[e])
    lines.push(
      `${e.padEnd(16)} ${a.toFixed(0).padStart(8)} ${b.toFixed(0).padStart(8)} ${(b / a).toFixed(2).padStart(5)}  ${med(r.a.cpuMs[e]).toFixed(2).padStart(8)} ${med(r.b.cpuMs[e]).toFixed(2).padStart(8)}`,
    )
  }
  lines.push(`RSS at the end (MB): A ${r.a.rssMb.toFixed(0)}, B ${r.b.rssMb.toFixed(0)}`)
  return lines.join('\n')
}
