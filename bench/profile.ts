// `node --import tsx bench/profile.ts [--engine postgres|pglite] [--endpoint unreadCount]
// [--seconds 10]`: the bench server's CPU profile while one endpoint's load runs (from a child
// process, as in the bench), written to bench/results/profile-<endpoint>-<engine>.cpuprofile
// (open it in Chrome's DevTools) and summarised as the functions with the most self time.
import { mkdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { PACES } from './bench.ts'
import { prepareFixtures } from './fixtures.ts'
import { type EndpointName, endpointRequests, measure, pollRequests } from './phases.ts'
import { SIZES, seed } from './seed.ts'
import { type EngineName, startServer } from './server.ts'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback
}

/** Self time by function (name and place), largest first, as shares of all samples. */
export function topSelf(p: Profile, n: number): string[] {
  const byId = new Map(p.nodes.map((node) => [node.id, node]))
  const self = new Map<string, number>()
  for (const id of p.samples) {
    const f = byId.get(id)?.callFrame
    if (!f) continue
    const place = f.url
      ? `${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|bench)\//, '$1/')}:${f.lineNumber + 1}`
      : ''
    const key = `${f.functionName || '(anonymous)'} ${place}`.trim()
    self.set(key, (self.get(key) ?? 0) + 1)
  }
  const total = p.samples.length
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, c]) => `${((100 * c) / total).toFixed(1).padStart(5)} %  ${k}`)
}

const engine = arg('engine', 'postgres') as EngineName
const endpoint = arg('endpoint', 'unreadCount') as EndpointName
const seconds = Number(arg('seconds', '10'))
const s = await startServer(engine)
try {
  await seed(s.herald.storage.db, SIZES.quick)
  const f = await prepareFixtures(s, SIZES.quick, 1_000)
  const poll = endpoint === 'notModifiedPoll'
  const requests = poll ? await pollRequests(s.url, f) : endpointRequests(f)[endpoint]
  const okStatus = poll ? 304 : undefined
  const pace = { ...PACES.quick, seconds }
  // Warm (JIT, plans, remembered tokens) before the profile starts.
  await measure(s.url, { ...pace, seconds: 2, warmupSeconds: 0 }, requests, false, false, okStatus)
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 200 })
  await session.post('Profiler.start')
  const result = await measure(
    s.url,
    { ...pace, warmupSeconds: 0 },
    requests,
    false,
    false,
    okStatus,
  )
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile }
  session.disconnect()
  const dir = new URL('./results/', import.meta.url).pathname
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `profile-${endpoint}-${engine}.cpuprofile`)
  writeFileSync(file, JSON.stringify(profile))
  console.log(`${endpoint} on ${engine}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms`)
  console.log(`profile: ${file}\nself time, top 30:`)
  for (const line of topSelf(profile, 30)) console.log(line)
} finally {
  await s.close()
}
