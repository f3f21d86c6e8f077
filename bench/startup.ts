// `npm run bench -- --startup [--runs N]`: how long the command takes to start, compiled (dist/)
// against the source through tsx, in the same sitting. See bench/README.md.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { distIsCurrent } from '../bin/dist-state.js'
import { lockPathFor } from '../src/storage/store-lock.ts'

const ROOT = new URL('..', import.meta.url).pathname
const SECRET = 'startup-bench-secret-0123456789abcdef'
const TOKEN_ARGS = ['token', '--tenant', 'demo', '--user', 'alice']
const NPM = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'] // run outside npm: the one on PATH

/** Targets, on an idle machine. */
export const STARTUP_TARGETS = { tokenMs: 300, startMs: 1500 }

export interface StartupResult {
  runs: number
  /** `node -e 0`: the floor any command starts from on this machine right now. */
  nodeMs: number
  token: { oldMs: number; newMs: number }
  start: { oldMs: number; newMs: number }
  /** What `npm start` is made of: the server without npm, and PGlite's own open alone. */
  parts: { serveMs: number; pgliteOpenMs: number }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/** A clean environment (none of the machine's Herald settings) with this run's store. */
function envFor(dataDir: string, port: number): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const k of Object.keys(env)) {
    if (k.startsWith('HERALD_') || k === 'DATABASE_URL' || k === 'REDIS_URL') delete env[k]
  }
  return {
    ...env,
    HERALD_DATA_DIR: dataDir,
    HERALD_JWT_SECRET: SECRET,
    HERALD_PORT: String(port),
  }
}

async function freePort(): Promise<number> {
  const srv = createServer().listen(0, '127.0.0.1')
  await once(srv, 'listening')
  const { port } = srv.address() as { port: number }
  srv.close()
  return port
}

/** Milliseconds from spawning `cmd` to its successful exit, and what it printed. */
async function timeRun(cmd: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return (await runTimed(cmd, env)).ms
}

async function runTimed(cmd: string[], env: NodeJS.ProcessEnv) {
  const [bin, ...args] = cmd as [string, ...string[]]
  const t0 = performance.now()
  const child = spawn(bin, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  let out = ''
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    err += s
  })
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    out += s
  })
  const [code] = (await once(child, 'close')) as [number | null]
  const ms = performance.now() - t0
  if (code !== 0) throw new Error(`${cmd.join(' ')} exited with ${code}: ${err}`)
  return { ms, out }
}

/** Milliseconds from spawning `cmd` (a server) to `/healthz` answering 200; then stops it. */
async function timeStart(cmd: string[], env: NodeJS.ProcessEnv, dataDir: string) {
  const [bin, ...args] = cmd as [string, ...string[]]
  const url = `http://127.0.0.1:${env.HERALD_PORT}/healthz`
  // A server still answering on the port (the last run's, shutting down) would be timed instead.
  await portFree(url)
  const t0 = performance.now()
  // Its own process group: npm, its shell and the server are stopped together. Its errors (a
  // store still locked, say) reach the bench's output.
  const child = spawn(bin, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  })
  let exited = false
  child.once('exit', () => {
    exited = true
  })
  try {
    for (;;) {
      if (exited) throw new Error(`${cmd.join(' ')} exited before /healthz answered`)
      const ok = await fetch(url, { headers: { connection: 'close' } }).then(
        (r) => r.ok,
        () => false,
      )
      if (ok) return performance.now() - t0
      if (performance.now() - t0 > 60_000) throw new Error(`${cmd.join(' ')}: no /healthz in 60 s`)
      await new Promise((r) => setTimeout(r, 10))
    }
  } finally {
    await stop(child, dataDir)
  }
}

const answers = (url: string) =>
  fetch(url, { headers: { connection: 'close' } }).then(
    () => true,
    () => false,
  )

/** Waits until nothing answers at `url`, for 30 s at most. */
async function portFree(url: string) {
  const deadline = performance.now() + 30_000
  while (await answers(url)) {
    if (performance.now() > deadline) throw new Error(`something still answers at ${url}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** Stops the server's process group and waits until the store is free for the next start. */
async function stop(child: ChildProcess, dataDir: string) {
  if (child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-(child.pid as number), 'SIGTERM')
    } catch {}
  }
  // The store's lock: beside its PGlite directory, not the data directory's.
  const lock = lockPathFor(join(dataDir, 'pglite')) as string
  const deadline = performance.now() + 30_000
  while (existsSync(lock) && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** Builds dist/ when it is missing or stale, so that "new" is the compiled command. */
function ensureBuilt() {
  if (distIsCurrent()) return
  const built = spawnSync(process.execPath, ['scripts/build-server.mjs'], {
    cwd: ROOT,
    stdio: 'inherit',
  })
  if (built.status !== 0 || !distIsCurrent()) throw new Error('could not build dist/')
}

export async function runStartup(runs: number, log: (line: string) => void) {
  ensureBuilt()
  const dir = mkdtempSync(join(tmpdir(), 'herald-startup-'))
  const dataDir = join(dir, 'data')
  try {
    const env = envFor(dataDir, await freePort())
    const node = [process.execPath]
    const oldToken = [...node, '--import', 'tsx', 'src/cli.ts', ...TOKEN_ARGS]
    const newToken = [...node, 'bin/herald.js', ...TOKEN_ARGS]
    // `npm run start:source` is what `npm start` ran before the command was compiled.
    const oldStart = [...NPM, 'run', '-s', 'start:source']
    const newStart = [...NPM, 'start', '-s']
    // What `npm start` runs, without npm; and PGlite opening the same store, timed inside.
    const serve = [...node, 'bin/herald.js', 'serve']
    const open = [...node, '--import', 'tsx', 'bench/pglite-open.ts', join(dataDir, 'pglite')]
    log('creating the data directory (a first start, not timed)')
    await timeStart(newStart, env, dataDir)
    const samples: Record<string, number[]> = {
      node: [],
      oldToken: [],
      newToken: [],
      oldStart: [],
      newStart: [],
      serve: [],
      pgliteOpen: [],
    }
    for (let i = 0; i < runs; i++) {
      // Old and new alternate, so a change in the machine's load falls on both.
      const first = i % 2 === 0
      samples.node?.push(await timeRun([...node, '-e', '0'], env))
      for (const which of first ? ['old', 'new'] : ['new', 'old']) {
        const token = which === 'old' ? oldToken : newToken
        samples[`${which}Token`]?.push(await timeRun(token, env))
        const start = which === 'old' ? oldStart : newStart
        samples[`${which}Start`]?.push(await timeStart(start, env, dataDir))
      }
      samples.serve?.push(await timeStart(serve, env, dataDir))
      samples.pgliteOpen?.push(Number((await runTimed(open, env)).out.trim()))
      log(`run ${i + 1}/${runs} done`)
    }
    const m = (k: string) => median(samples[k] ?? [])
    return {
      runs,
      nodeMs: m('node'),
      token: { oldMs: m('oldToken'), newMs: m('newToken') },
      start: { oldMs: m('oldStart'), newMs: m('newStart') },
      parts: { serveMs: m('serve'), pgliteOpenMs: m('pgliteOpen') },
    } satisfies StartupResult
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export function renderStartup(r: StartupResult): string {
  const ms = (n: number) => `${Math.round(n)} ms`.padStart(9)
  const row = (name: string, old: number, now: number, target: number) =>
    `${name.padEnd(34)}${ms(old)}${ms(now)}${(now / old).toFixed(2).padStart(9)}` +
    `   ≤ ${target} ms ${now <= target ? 'met' : 'NOT met'}`
  return [
    `Start-up, median of ${r.runs} runs (old: the source through tsx; new: compiled dist/)`,
    '',
    `${''.padEnd(34)}${'old'.padStart(9)}${'new'.padStart(9)}${'new/old'.padStart(9)}   target (idle machine)`,
    row('herald token', r.token.oldMs, r.token.newMs, STARTUP_TARGETS.tokenMs),
    row('npm start -> /healthz (existing)', r.start.oldMs, r.start.newMs, STARTUP_TARGETS.startMs),
    '',
    `of which: \`node bin/herald.js serve\` -> /healthz (no npm) ${Math.round(r.parts.serveMs)} ms, ` +
      `so npm's own share ${Math.round(r.start.newMs - r.parts.serveMs)} ms; PGlite alone opening ` +
      `the same store (timed inside its process) ${Math.round(r.parts.pgliteOpenMs)} ms`,
    '',
    `node -e 0 on this machine now: ${Math.round(r.nodeMs)} ms (the floor of every command above;` +
      ' on a loaded machine compare against it and the ratio, not the targets)',
  ].join('\n')
}
