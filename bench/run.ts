// `npm run bench [-- --engine postgres|pglite|both] [--quick] [--abuse [--streams-only]] [--sends] [--broadcast]
// [--startup [--runs N]] [--pair --a "NAME=value …" --b "…" [--endpoints a,b] [--rounds N]
// [--seconds N] [--size quick|tiny|full]]`: see bench/README.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { renderAbuse, runAbuse } from './abuse.ts'
import { PACES, runBench, type SizeName } from './bench.ts'
import { renderBroadcast, runBroadcast } from './broadcast.ts'
import { envOf, PAIR_ENDPOINTS, type PairEndpoint, renderPair, runPair } from './pair.ts'
import { type BenchResult, renderCpu, renderHeader, renderTable } from './report.ts'
import { renderSends, runSends } from './sends.ts'
import type { EngineName } from './server.ts'
import { renderStartup, runStartup } from './startup.ts'
import { checkTargets, compareEngines, renderTargets } from './targets.ts'

const RESULTS = new URL('./results/', import.meta.url).pathname

function pairEndpoints(list: string): PairEndpoint[] {
  const names = list.split(',')
  for (const n of names) {
    if (!(PAIR_ENDPOINTS as readonly string[]).includes(n))
      throw new Error(`--endpoints: "${n}" is not one of ${PAIR_ENDPOINTS.join(', ')}`)
  }
  return names as PairEndpoint[]
}

function parseArgs(argv: string[]) {
  const flag = (name: string) => argv.includes(`--${name}`)
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`)
    return i >= 0 ? argv[i + 1] : undefined
  }
  const engine = value('engine') ?? 'postgres'
  if (!['postgres', 'pglite', 'both'].includes(engine)) {
    throw new Error(`--engine must be postgres, pglite or both, not "${engine}"`)
  }
  const engines: EngineName[] = engine === 'both' ? ['postgres', 'pglite'] : [engine as EngineName]
  const quick = flag('quick')
  const runs = Number(value('runs') ?? 5)
  if (!(Number.isInteger(runs) && runs > 0)) throw new Error('--runs must be a positive integer')
  const count = (name: string, fallback: number) => {
    const n = Number(value(name) ?? fallback)
    if (!(Number.isInteger(n) && n > 0)) throw new Error(`--${name} must be a positive integer`)
    return n
  }
  const pairSize = value('size') ?? 'quick'
  if (!['quick', 'tiny', 'full'].includes(pairSize)) {
    throw new Error(`--size must be quick, tiny or full, not "${pairSize}"`)
  }
  const pair = flag('pair')
    ? {
        a: envOf(value('a') ?? ''),
        b: envOf(value('b') ?? ''),
        endpoints: pairEndpoints(
          value('endpoints') ?? 'unreadCount,firstPage,heavyFirstPage,deepPage',
        ),
        rounds: count('rounds', 6),
        seconds: count('seconds', 5),
        size: pairSize as 'quick' | 'tiny' | 'full',
      }
    : null
  return {
    pair,
    engines,
    quick,
    abuse: flag('abuse'),
    streamsOnly: flag('streams-only'),
    sends: flag('sends'),
    broadcast: flag('broadcast'),
    startup: flag('startup'),
    runs,
    size: (quick ? 'quick' : 'full') as SizeName,
  }
}

/** Writes a run's figures as bench/results/latest-<name>.json. */
function saveLatest(name: string, r: unknown): void {
  mkdirSync(RESULTS, { recursive: true })
  writeFileSync(join(RESULTS, `latest-${name}.json`), `${JSON.stringify(r, null, 2)}\n`)
}

const latestFile = (engine: EngineName, size: string) =>
  join(RESULTS, `latest-${engine}-${size}.json`)

function save(r: BenchResult): string {
  mkdirSync(RESULTS, { recursive: true })
  const file = join(RESULTS, `${r.at.replace(/[:.]/g, '-')}-${r.engine}-${r.size}.json`)
  const body = `${JSON.stringify({ ...r, targets: checkTargets(r) }, null, 2)}\n`
  writeFileSync(file, body)
  writeFileSync(latestFile(r.engine, r.size), body)
  return file
}

/** The other engine's latest result on the same data set, for the PGlite comparison. */
function previous(engine: EngineName, size: string): BenchResult | null {
  const file = latestFile(engine, size)
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BenchResult) : null
}

async function main() {
  const { engines, quick, size, abuse, streamsOnly, sends, broadcast, startup, runs, pair } =
    parseArgs(process.argv.slice(2))
  if (pair) {
    const r = await runPair(pair, (line) => console.error(line))
    console.log(`\n${renderPair(r)}`)
    saveLatest('pair', r)
    return
  }
  if (startup) {
    const r = await runStartup(runs, (line) => console.error(line))
    console.log(`\n${renderStartup(r)}`)
    saveLatest('startup', r)
    return
  }
  if (sends) {
    for (const engine of engines) {
      const r = await runSends(engine, 50_000, (line) => console.error(line))
      console.log(`\n${renderSends(r)}`)
      saveLatest(`sends-${engine}`, r)
    }
    return
  }
  if (broadcast) {
    for (const engine of engines) {
      const users = quick ? 100_000 : 1_000_000
      const r = await runBroadcast(engine, users, (line) => console.error(line))
      console.log(`\n${renderBroadcast(r)}`)
      saveLatest(`broadcast-${engine}-${size}`, r)
    }
    return
  }
  if (abuse) {
    for (const engine of engines) {
      const r = await runAbuse(engine, (line) => console.error(line), { streamsOnly })
      console.log(`\n${renderAbuse(r)}`)
      saveLatest(`abuse-${engine}`, r)
    }
    return
  }
  const results: Partial<Record<EngineName, BenchResult>> = {}
  for (const engine of engines) {
    const r = await runBench({
      engine,
      size,
      pace: quick ? PACES.quick : PACES.full,
      bulkRecipients: 50_000,
      log: (line) => console.error(line),
    })
    results[engine] = r
    const targets = checkTargets(r)
    const pgRun = engine === 'pglite' ? (results.postgres ?? previous('postgres', size)) : null
    if (pgRun) targets.push(compareEngines(pgRun, r))
    const cpu = renderCpu(r)
    console.log(
      `\n${renderHeader(r)}\n\n${renderTable(r)}\n\n${cpu ? `${cpu}\n\n` : ''}${renderTargets(targets)}`,
    )
    if (pgRun && !results.postgres)
      console.log(`  (PostgreSQL figures from the run of ${pgRun.at})`)
    console.log(`\nwritten to ${save(r)}`)
  }
}

await main()
