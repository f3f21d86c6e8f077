import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { resolve } from 'node:path'
import { mintToken } from '../../src/auth/tokens.ts'
import { SECRET } from './harness.ts'

const BIN = resolve('bin/herald.js')

// A test that fails halfway leaves its server running, and a live child keeps the test process
// (and the whole run) from ever ending: whatever is still running goes when the process does.
const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL')
})

/** The real server, started by the CLI as a child process, as a deployment runs it. */
export interface ChildServer {
  url: string
  proc: ChildProcess
  /** Resolves with the exit code (or signal) once the process has gone. */
  exited: Promise<number | string | null>
}

/**
 * `herald serve` on a free port with its own data directory, and `env` over a clean environment
 * (no HERALD_ variables of the machine leak in). Resolves once it listens.
 */
export async function startServer(dataDir: string, env: Record<string, string> = {}) {
  const clean = { ...process.env }
  for (const k of Object.keys(clean)) {
    if (k.startsWith('HERALD_') || k === 'DATABASE_URL' || k === 'REDIS_URL') delete clean[k]
  }
  const proc = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      ...clean,
      HERALD_PORT: '0',
      HERALD_DATA_DIR: dataDir,
      HERALD_JWT_SECRET: SECRET,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  live.add(proc)
  proc.once('exit', () => live.delete(proc))
  const exited = once(proc, 'exit').then(([code, signal]) => (code ?? signal) as number | string)
  let err = ''
  proc.stderr?.setEncoding('utf8').on('data', (s: string) => {
    err += s
  })
  // Read with a listener, not `for await`: leaving that loop would destroy the pipe, and the
  // server's next line of output would kill it with EPIPE.
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout?.setEncoding('utf8').on('data', (s: string) => {
      out += s
      const found = /listening on (http:\/\/\S+)/.exec(out)?.[1]
      if (found) resolve(found)
    })
    exited.then(() => reject(new Error(`herald serve exited before listening: ${out}${err}`)))
  })
  return { url, proc, exited } satisfies ChildServer
}

/** A producer credential for `tenant`: the operator token the CLI itself uses. */
export const operatorToken = (tenant: string) =>
  mintToken(SECRET, { tenant, user: 'herald-cli', operator: true, ttl: 600 })
