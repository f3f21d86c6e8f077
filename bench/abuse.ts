// `npm run bench -- --abuse [--engine postgres|pglite|both]`: what a hostile user's most expensive
// requests cost, and what they do to everyone else. See bench/README.md ("Abuse").
//
// One tenant holds a 50,000-notification inbox (the attacker's own, the worst case for every
// request on it). Another tenant's users send ordinary requests (the unread count, the first page)
// from a separate process the whole time. Each abusive request is sent back to back by one client
// for a few seconds; the run prints its own time and the other tenant's p99 inside that window,
// beside the same p99 in a quiet window of the same run. Then 1,000 streams are opened, 100 of
// which never read, notifications are sent to all of them, and the server's memory is sampled.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { get as httpGet } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { sql } from 'kysely'
import pg from 'pg'
import { mintToken } from '../src/auth/tokens.ts'
import type { ProbeSpec } from './abuse-probe.ts'
import type { StreamsReport, StreamsSpec } from './abuse-streams.ts'
import { quantile } from './load.ts'
import { HEAVY_USER, type SeedSize, seed, TENANT, userId } from './seed.ts'
import {
  BENCH_SECRET,
  type BenchServer,
  type EngineName,
  MEMORY_SETTINGS,
  PG_URL,
  pick,
  rssMb,
  spawnServe,
  startServer,
} from './server.ts'

const OTHER = 'other'
const SIZE: SeedSize = { users: 1_000, heavy: 50_000, messages: 50_000, lo: 2, span: 20 }
const WINDOW_MS = 3_000
const STREAMS = 1_000
const STALLED = 100
const STREAM_SENDS = 20
const STALLED_SENDS = 40
/** The bench's server drops a stalled reader after this (the default is 10 s). */
const STALL_MS = 2000
// Its own per run: two runs side by side on one PostgreSQL must not drop each other's.
const THROWAWAY_DB = `herald_abuse_bench_${process.pid}`

/** Goals of issue 9: another tenant's p99 during any abuse, and memory under 1,000 streams. */
export const GOALS = { p99Ms: { postgres: 100, pglite: 250 }, rssMb: 300 }

interface Window {
  from: number
  to: number
}
interface AbuseRow {
  name: string
  runs: number
  statuses: string
  medianMs: number
  maxMs: number
  otherP99Ms: number
  otherCount: number
  otherBad: number
}
export interface AbuseResult {
  engine: EngineName
  /** null with --streams-only. */
  quiet: { p50Ms: number; p99Ms: number; count: number } | null
  rows: AbuseRow[]
  memory: {
    idleMb: number
    openMb: number
    /** The peak while ordinary notifications reach every stream. */
    ordinaryPeakMb: number
    peakMb: number
    afterMb: number
    streams: StreamsReport
    /** Streams the server says it dropped because their consumer stopped reading. */
    dropped: number
    sendSeconds: number
    /** From the first send until the server had dropped every stalled reader (or gave up waiting). */
    dropSeconds: number
  }
}

const now = () => performance.timeOrigin + performance.now()

/** Runs a bench child process with a JSON spec, talking to it by lines. */
function child(script: string, spec: unknown) {
  const dir = mkdtempSync(join(tmpdir(), 'herald-abuse-'))
  const file = join(dir, 'spec.json')
  writeFileSync(file, JSON.stringify(spec))
  const proc: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', new URL(script, import.meta.url).pathname, file],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  const lines: string[] = []
  const waiters: Array<() => void> = []
  // Closed: exited with its output read to the end (a line printed just before is not lost).
  let closed: number | null | undefined
  proc.once('close', (code) => {
    closed = code
    for (const w of waiters.splice(0)) w()
  })
  const stdout = proc.stdout
  if (!stdout) throw new Error('no stdout')
  createInterface({ input: stdout }).on('line', (l) => {
    lines.push(l)
    for (const w of waiters.splice(0)) w()
  })
  const next = async (): Promise<string> => {
    while (lines.length === 0) {
      if (closed !== undefined) throw new Error(`${script} exited with ${closed}`)
      await new Promise<void>((resolve) => waiters.push(resolve))
    }
    return lines.shift() as string
  }
  return {
    next,
    say: (line: string) => proc.stdin?.write(`${line}\n`),
    /**
     * Ends the child: its stdin closed (its line reader held it, and its pipes held this
     * process: the bench printed its results and never exited), killed if still running 5 s on.
     */
    async cleanup() {
      proc.stdin?.end()
      if (proc.exitCode === null && proc.signalCode === null) {
        const kill = setTimeout(() => proc.kill(), 5_000)
        await once(proc, 'exit')
        clearTimeout(kill)
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function api(base: string, path: string, init: RequestInit & { expect?: number[] } = {}) {
  const res = await fetch(`${base}${path}`, init)
  const body = await res.text()
  if (init.expect && !init.expect.includes(res.status))
    throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${body.slice(0, 200)}`)
  return { status: res.status, body }
}

/**
 * Reads a stream, on a connection of its own, until `done` (given each chunk) says so: 200 when it got there, 599
 * when the stream ended first, the status when it was refused.
 */
function readStream(
  base: string,
  headers: Record<string, string>,
  done: (text: string) => boolean,
): Promise<number> {
  return new Promise((resolve) => {
    const req = httpGet(`${base}/v1/me/stream`, { headers, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume()
        resolve(res.statusCode ?? 0)
        return
      }
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        if (done(chunk)) {
          resolve(200)
          req.destroy()
        }
      })
      res.on('close', () => resolve(599))
    })
    req.on('error', () => resolve(0))
  })
}

const count = (text: string, needle: string) => text.split(needle).length - 1

/** The other tenant: 50 users with 30 notifications each, sent through the API. */
async function prepareOther(s: BenchServer) {
  const key = (await s.herald.auth.createApiKey(OTHER, 'abuse bench')).key
  const users = Array.from({ length: 50 }, (_, i) => `o${i}`)
  for (let i = 0; i < 30; i++) {
    await api(s.url, '/v1/notifications', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: { users }, type: 'comment', title: `Ordinary ${i}` }),
      expect: [201, 200, 202],
    })
  }
  const tokens = await Promise.all(
    users.map((user) => mintToken(BENCH_SECRET, { tenant: OTHER, user, ttl: 3600 })),
  )
  const requests: ProbeSpec['requests'] = tokens.flatMap((token) => [
    { path: '/v1/me/counts?cap=99', token },
    { path: '/v1/me/notifications?limit=20', token },
  ])
  return requests
}

interface Scenario {
  name: string
  run(): Promise<number>
}

async function scenarios(s: BenchServer): Promise<Scenario[]> {
  const db = s.herald.storage.db
  // The seed writes rows as a bulk load would; give them event numbers as sends would have.
  await sql`UPDATE notifications SET seq = id WHERE tenant_id = ${TENANT}`.execute(db)
  await sql`UPDATE tenants SET event_seq = (SELECT max(id) FROM notifications
    WHERE tenant_id = ${TENANT}) WHERE id = ${TENANT}`.execute(db)
  const top = await sql<{ seq: string }>`SELECT max(seq) AS seq FROM notifications
    WHERE tenant_id = ${TENANT} AND recipient_id = ${HEAVY_USER}`.execute(db)
  const maxSeq = Number(top.rows[0]?.seq ?? 0)
  const ids = await sql<{ id: string }>`SELECT id FROM notifications WHERE tenant_id = ${TENANT}
    AND recipient_id = ${HEAVY_USER} ORDER BY id LIMIT 1000`.execute(db)
  const heavyIds = ids.rows.map((r) => Number(r.id))
  const token = await s.token(HEAVY_USER)
  const { limits, stream } = s.config
  // Kendo's bulk routes need the permission; the directory record grants it.
  const key = (await s.herald.auth.createApiKey(TENANT, 'abuse bench')).key
  await api(s.url, `/v1/users/${HEAVY_USER}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ permissions: ['Notifications: Update'] }),
    expect: [200, 201],
  })
  const bearer = { authorization: `Bearer ${token}` }
  const json = { ...bearer, 'content-type': 'application/json' }
  const tm = {
    authorization: `Token ${Buffer.from(token).toString('base64')}`,
  }
  const tmList = '/compat/tasking-manager/api/v2/notifications/'
  const kendoRead = '/compat/kendo/api/notifications/bulk-read'
  const get = (path: string, headers: Record<string, string>) => async () =>
    (await api(s.url, path, { headers })).status
  const post = (path: string, headers: Record<string, string>, body: string) => async () =>
    (await api(s.url, path, { method: 'POST', headers, body })).status
  const twenty = (make: (i: number) => Record<string, unknown>) =>
    JSON.stringify({
      filters: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, make(i)])),
    })
  const types = ['comment', 'mention', 'assigned', 'status', 'review', 'invite', 'digest']
  const longName = 'u'.repeat(limits.filterText)
  const kendoBody = (n: number, from: number[]) =>
    JSON.stringify({ notification_ids: Array.from({ length: n }, (_, i) => from[i] ?? 1e9 + i) })
  const overIds = kendoBody(250_000, [])
  const maxIds = kendoBody(limits.ids, heavyIds)
  return [
    {
      name: "TM list, from = 3,000 × 'x'",
      run: get(`${tmList}?from=${'x'.repeat(3000)}`, tm),
    },
    {
      name: `TM list, from = ${limits.filterText} × 'x' (longest allowed)`,
      run: get(`${tmList}?from=${'x'.repeat(limits.filterText)}`, tm),
    },
    {
      name: 'POST /v1/me/counts, 20 filters, no cap',
      run: post(
        '/v1/me/counts',
        json,
        twenty((i) => ({ types: [types[i % 7]] })),
      ),
    },
    {
      name: `POST /v1/me/counts, 20 × actorUsername of ${limits.filterText}`,
      run: post(
        '/v1/me/counts',
        json,
        twenty((i) => ({ actorUsername: `${longName.slice(0, -2)}${String(i).padStart(2, '0')}` })),
      ),
    },
    {
      name: `GET /v1/me/notifications, actorUsername of ${limits.filterText}`,
      run: get(`/v1/me/notifications?actorUsername=${longName}`, bearer),
    },
    {
      name: 'Kendo list (its whole list: the newest 10,000)',
      run: get('/compat/kendo/api/notifications', bearer),
    },
    {
      name: 'Kendo bulk-read, 250,000 ids (1.6 MB body)',
      run: post(kendoRead, json, overIds),
    },
    {
      name: `Kendo bulk-read, ${limits.ids} ids (the most allowed)`,
      run: post(kendoRead, json, maxIds),
    },
    {
      name: 'stream, Last-Event-ID at the start of 50,000',
      run: () => readStream(s.url, { ...bearer, 'last-event-id': '1' }, (t) => t.includes('reset')),
    },
    {
      name: `stream, replay of ${stream.replayMax} (the most allowed)`,
      run: () => {
        // Counted as it arrives (an event may straddle two chunks), not by rescanning the text.
        let seen = 0
        let tail = ''
        const needle = 'event: notification.created'
        return readStream(
          s.url,
          { ...bearer, 'last-event-id': String(maxSeq - stream.replayMax) },
          (chunk) => {
            seen += count(tail + chunk, needle) - count(tail, needle)
            tail = (tail + chunk).slice(-needle.length)
            return seen >= stream.replayMax
          },
        )
      },
    },
  ]
}

/** One scenario, back to back for the window (at least once). */
async function hammer(sc: Scenario): Promise<Window & { times: number[]; statuses: number[] }> {
  const from = now()
  const times: number[] = []
  const statuses: number[] = []
  do {
    const t0 = performance.now()
    statuses.push(await sc.run())
    times.push(performance.now() - t0)
  } while (now() - from < WINDOW_MS)
  return { from, to: now(), times, statuses }
}

const within = (samples: Array<[number, number, number]>, w: Window) =>
  samples.filter(([at]) => at >= w.from && at <= w.to)

const tally = (xs: number[]) => {
  const m = new Map<number, number>()
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1)
  return [...m].map(([k, v]) => `${v}×${k}`).join(' ')
}

/** `herald serve` as a deployment runs it, on its own store, with its stdout kept. */
/** The variables of `env` among `names` that are set. */
async function serve(engine: EngineName) {
  const dir = mkdtempSync(join(tmpdir(), 'herald-abuse-serve-'))
  let databaseUrl = join(dir, 'pglite')
  if (engine === 'postgres') {
    const admin = new pg.Client({ connectionString: PG_URL })
    await admin.connect()
    await admin.query(`DROP DATABASE IF EXISTS ${THROWAWAY_DB}`)
    await admin.query(`CREATE DATABASE ${THROWAWAY_DB}`)
    await admin.end()
    const url = new URL(PG_URL)
    url.pathname = `/${THROWAWAY_DB}`
    databaseUrl = url.toString()
  }
  let dropped = 0
  const { proc, url, output } = await spawnServe(
    dir,
    databaseUrl,
    {
      LOG_LEVEL: 'info',
      HERALD_STREAM_STALL_MS: String(STALL_MS),
      // The memory settings (server.ts) and glibc's arenas, as the caller sets them.
      ...pick(process.env, [...MEMORY_SETTINGS, 'MALLOC_ARENA_MAX']),
      // HERALD_BENCH_SERVE_NODE_OPTIONS: Node options for the served process (a profiler, say).
      ...(process.env.HERALD_BENCH_SERVE_NODE_OPTIONS
        ? { NODE_OPTIONS: process.env.HERALD_BENCH_SERVE_NODE_OPTIONS }
        : {}),
    },
    (chunk) => {
      dropped += count(chunk, 'stream dropped')
    },
  )
  let exit: string | null = null
  proc.once('exit', (code, signal) => {
    exit = `herald serve exited (${code ?? signal}): ${output()}`
  })
  const rss = () => {
    if (exit) throw new Error(exit)
    return rssMb(proc.pid as number)
  }
  return {
    url,
    rss,
    pid: proc.pid as number,
    dropped: () => dropped,
    async close() {
      if (exit === null) {
        proc.kill('SIGTERM')
        await once(proc, 'exit')
      }
      rmSync(dir, { recursive: true, force: true })
      if (engine === 'postgres') {
        const admin = new pg.Client({ connectionString: PG_URL })
        await admin.connect()
        await admin.query(`DROP DATABASE IF EXISTS ${THROWAWAY_DB}`)
        await admin.end()
      }
    },
  }
}

/**
 * Where a process's memory is, from /proc/<pid>/smaps and the server's /metrics (MB): its
 * resident total; the largest anonymous mapping (on PGlite, the WebAssembly memory PostgreSQL
 * runs in); glibc's thread arenas (anonymous mappings of 64 MiB at a 64 MiB boundary); the main
 * arena ([heap]); the main thread's JavaScript heap (total and used) and its external memory.
 */
async function memoryDetail(pid: number, url: string): Promise<string> {
  let rss = 0
  let largest = 0
  let arenas = 0
  let brk = 0
  let region = { size: 0, start: 0, name: '' }
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (head) {
      const start = Number.parseInt(head[1] as string, 16)
      region = { start, size: Number.parseInt(head[2] as string, 16) - start, name: head[3] ?? '' }
      continue
    }
    const kb = /^Rss:\s+(\d+)/.exec(line)?.[1]
    if (kb === undefined) continue
    const mb = Number(kb) / 1024
    rss += mb
    if (region.name === '[heap]') brk += mb
    else if (region.name === '') {
      largest = Math.max(largest, mb)
      if (region.start % 2 ** 26 === 0 && region.size <= 2 ** 26) arenas += mb
    }
  }
  const metrics = await (await fetch(`${url}/metrics`)).text()
  const gauge = (name: string) =>
    Number(new RegExp(`^${name} (\\S+)`, 'm').exec(metrics)?.[1] ?? Number.NaN) / 2 ** 20
  const f = (x: number) => x.toFixed(1)
  return (
    `RSS ${f(rss)}; largest anonymous mapping ${f(largest)}; thread arenas ${f(arenas)}; ` +
    `main arena ${f(brk)}; main JS heap ${f(gauge('nodejs_heap_size_total_bytes'))} ` +
    `(used ${f(gauge('nodejs_heap_size_used_bytes'))}), external ${f(gauge('nodejs_external_memory_bytes'))}`
  )
}

/**
 * The real server (`herald serve`, its own process and store) with 1,000 open streams, 100 of
 * which never read: first notifications of 20 kB to all of them, then large ones (400 kB of
 * custom data) to the 100 that never read, enough to fill the kernel's socket buffers and pass
 * the server's per-stream bound. Its memory is read from /proc throughout.
 */
export async function streamsMemory(engine: EngineName): Promise<AbuseResult['memory']> {
  const server = await serve(engine)
  const users = Array.from({ length: STREAMS }, (_, i) => userId(i))
  const tokens = await Promise.all(
    users.map((user) => mintToken(BENCH_SECRET, { tenant: TENANT, user, ttl: 3600 })),
  )
  const producer = await mintToken(BENCH_SECRET, {
    tenant: TENANT,
    user: 'abuse-bench',
    operator: true,
    ttl: 3600,
  })
  const send = (to: string[], extra: Record<string, unknown>, i: number) =>
    api(server.url, '/v1/notifications', {
      method: 'POST',
      headers: { authorization: `Bearer ${producer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: { users: to }, type: 'digest', title: `Big ${i}`, ...extra }),
      expect: [200, 201, 202],
    })
  await new Promise((r) => setTimeout(r, 1000))
  const idleMb = server.rss()
  const detail = async (phase: string) => {
    if (process.env.HERALD_BENCH_MEMORY_DETAIL)
      console.error(`  ${phase}: ${await memoryDetail(server.pid, server.url)}`)
  }
  await detail('idle')
  const streams = child('./abuse-streams.ts', {
    url: server.url,
    tokens,
    stalled: STALLED,
  } satisfies StreamsSpec)
  let peakMb = 0
  let failed: unknown = null
  const sampler = setInterval(() => {
    try {
      peakMb = Math.max(peakMb, server.rss())
    } catch (err) {
      failed ??= err
    }
  }, 50)
  try {
    if ((await streams.next()) !== 'open') throw new Error('streams did not open')
    await new Promise((r) => setTimeout(r, 1000))
    const openMb = server.rss()
    await detail('open')
    const t0 = performance.now()
    // Ordinary notifications (2 kB) to everyone, then a flood for the readers that never read.
    const body = 'b'.repeat(2_000)
    for (let i = 0; i < STREAM_SENDS; i++) await send(users, { body }, i)
    const ordinaryPeakMb = peakMb
    await detail('ordinary sent')
    const blob = 'd'.repeat(400_000)
    for (let i = 0; i < STALLED_SENDS; i++)
      await send(users.slice(0, STALLED), { data: { blob } }, i)
    const sendSeconds = (performance.now() - t0) / 1000
    // Let the streams catch up, and stalled ones pass the stall bound, before measuring: until
    // the server has dropped every stalled reader, or for 30 s at most.
    const waitFrom = performance.now()
    while (server.dropped() < STALLED && performance.now() - waitFrom < STALL_MS + 28_000)
      await new Promise((r) => setTimeout(r, 100))
    const dropSeconds = (performance.now() - t0) / 1000
    await new Promise((r) => setTimeout(r, 1000))
    if (failed) throw failed
    const afterMb = server.rss()
    await detail('after the flood')
    streams.say('report')
    const report = JSON.parse(await streams.next()) as StreamsReport
    return {
      idleMb,
      openMb,
      ordinaryPeakMb,
      peakMb,
      afterMb,
      streams: report,
      dropped: server.dropped(),
      sendSeconds,
      dropSeconds,
    }
  } finally {
    clearInterval(sampler)
    await streams.cleanup()
    await server.close()
  }
}

export async function runAbuse(
  engine: EngineName,
  log: (line: string) => void,
  /** streamsOnly: only the memory of `herald serve` with 1,000 streams (no seed, no abuse rows). */
  opts: { streamsOnly?: boolean } = {},
): Promise<AbuseResult> {
  if (opts.streamsOnly) {
    log(`  1,000 streams, 100 never read (${engine})`)
    return { engine, quiet: null, rows: [], memory: await streamsMemory(engine) }
  }
  const s = await startServer(engine)
  try {
    log(`seeding on ${engine}: a 50,000-notification inbox and another tenant…`)
    await seed(s.herald.storage.db, SIZE)
    const requests = await prepareOther(s)
    const list = await scenarios(s)
    const probe = child('./abuse-probe.ts', {
      url: s.url,
      connections: 4,
      requests,
    } satisfies ProbeSpec)
    const windows: Array<{ sc: Scenario; w: Awaited<ReturnType<typeof hammer>> }> = []
    let quiet: Window
    try {
      if ((await probe.next()) !== 'ready') throw new Error('probe did not start')
      // A quiet window first: the other tenant's latency with nobody abusing anything.
      const qFrom = now()
      await new Promise((r) => setTimeout(r, WINDOW_MS))
      quiet = { from: qFrom, to: now() }
      for (const sc of list) {
        log(`  ${sc.name}`)
        windows.push({ sc, w: await hammer(sc) })
      }
    } finally {
      probe.say('stop')
    }
    const samples = JSON.parse(await probe.next()) as Array<[number, number, number]>
    await probe.cleanup()
    const q = within(samples, quiet).map(([, ms]) => ms)
    const rows = windows.map(({ sc, w }): AbuseRow => {
      const other = within(samples, w)
      return {
        name: sc.name,
        runs: w.times.length,
        statuses: tally(w.statuses),
        medianMs: quantile(w.times, 0.5),
        maxMs: Math.max(...w.times),
        otherP99Ms: quantile(
          other.map(([, ms]) => ms),
          0.99,
        ),
        otherCount: other.length,
        otherBad: other.filter(([, , st]) => st < 200 || st >= 300).length,
      }
    })
    log('  1,000 streams, 100 never read')
    const memory = await streamsMemory(engine)
    return {
      engine,
      quiet: { p50Ms: quantile(q, 0.5), p99Ms: quantile(q, 0.99), count: q.length },
      rows,
      memory,
    }
  } finally {
    await s.close()
  }
}

function renderRows(
  r: AbuseResult,
  quiet: NonNullable<AbuseResult['quiet']>,
  goal: number,
  f: (x: number) => string,
): string[] {
  return [
    `Abuse on ${r.engine}: another tenant's p99 when quiet ${f(quiet.p99Ms)} ms (p50 ${f(quiet.p50Ms)}, n=${quiet.count})`,
    '',
    `| abusive request | runs | answers | its median ms | its max ms | other tenant p99 ms (n) | goal < ${goal} ms |`,
    '|---|---:|---|---:|---:|---:|---|',
    ...r.rows.map(
      (x) =>
        `| ${x.name} | ${x.runs} | ${x.statuses} | ${f(x.medianMs)} | ${f(x.maxMs)} | ${f(x.otherP99Ms)} (${x.otherCount}${x.otherBad ? `, ${x.otherBad} not 2xx` : ''}) | ${x.otherP99Ms < goal && x.otherBad === 0 ? 'met' : 'NOT met'} |`,
    ),
  ]
}

export function renderAbuse(r: AbuseResult): string {
  const goal = GOALS.p99Ms[r.engine]
  const f = (x: number) => x.toFixed(1)
  const lines: string[] = []
  if (r.quiet) lines.push(...renderRows(r, r.quiet, goal, f), '')
  const m = r.memory
  lines.push(
    `Memory of \`herald serve\` on ${r.engine} (RSS): idle ${f(m.idleMb)} MB; ${m.streams.opened} streams open ${f(m.openMb)} MB ` +
      `(+${f(m.openMb - m.idleMb)}); peak with ordinary sends ${f(m.ordinaryPeakMb)} MB; peak with the flood ${f(m.peakMb)} MB; ` +
      `after ${f(m.afterMb)} MB (goal < ${GOALS.rssMb} MB: ${m.peakMb < GOALS.rssMb ? 'met' : 'NOT met'})`,
    `  ${STREAM_SENDS} sends of 2 kB to all ${STREAMS}, then ${STALLED_SENDS} of 400 kB to the ${STALLED} that never read, ` +
      `in ${m.sendSeconds.toFixed(1)} s; ${m.streams.opened} streams opened, ${m.streams.refused} refused; ` +
      `${m.streams.readers.count} readers got ${f(m.streams.readers.bytes / 1024 / 1024)} MB, ` +
      `${m.streams.readers.closedByServer} of them closed by the server; of the ${m.streams.stalled.count} that never read, ` +
      `${m.streams.stalled.closedByServer} were cut (the server logged ${m.dropped} "stream dropped", ` +
      `the last ${m.dropSeconds.toFixed(1)} s after the first send)`,
  )
  return lines.join('\n')
}
