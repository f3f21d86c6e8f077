import assert from 'node:assert/strict'
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { resolve } from 'node:path'
import { promisify } from 'node:util'

export const BIN = resolve('bin/herald.js')
export const run = promisify(execFile)

/** The environment of a machine with no Herald configuration at all. */
export const bareEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env }
  for (const k of Object.keys(env)) {
    if (k.startsWith('HERALD_') || k === 'DATABASE_URL' || k === 'REDIS_URL') delete env[k]
  }
  return env
}

/** Runs the real `herald` command in `cwd`, as a person would. */
export const herald = (cwd: string, ...args: string[]) => heraldWith(cwd, {}, ...args)

/** The same with some configuration in the environment. */
export const heraldWith = (cwd: string, env: NodeJS.ProcessEnv, ...args: string[]) =>
  run(process.execPath, [BIN, ...args], { cwd, env: { ...bareEnv(), ...env } })

/** The same with extra environment, for a run that should fail: its exit code and stderr. */
export async function heraldFails(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]) {
  const err = await heraldWith(cwd, env, ...args)
    .then(() => null)
    .catch((e: unknown) => e as { code: number; stderr: string })
  assert.ok(err, `herald ${args.join(' ')} should have failed`)
  return err
}

export interface Served {
  child: ChildProcess
  url: string
  out: string
  stop(): Promise<void>
}

/** Starts `herald serve` (port 0, as tests share the machine) and waits for its banner. */
export async function serve(cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd,
    env: { ...bareEnv(), HERALD_PORT: '0', ...env },
  })
  let out = ''
  let url = ''
  child.stdout?.setEncoding('utf8')
  for await (const chunk of child.stdout ?? []) {
    out += chunk
    const m = /listening on (http:\/\/\S+)/.exec(out)
    if (m?.[1] && out.includes('Get a server key')) {
      url = m[1]
      break
    }
  }
  assert.ok(url, `the server did not start: ${out}`)
  // Keep reading, so a chatty server never blocks on a full pipe.
  child.stdout?.resume()
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    await once(child, 'exit')
  }
  return { child, url, out, stop }
}
