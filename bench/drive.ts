import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type LoadRequest, type LoadResult, type LoadSpec, runLoad } from './load.ts'
import { type RawSpec, runRaw } from './raw.ts'

const LOADER = new URL('./load-child.ts', import.meta.url).pathname

/**
 * Runs one load (HTTP, or Herald's statements straight through `pg`) in a child process
 * (load-child.ts) and returns what it measured; `inProcess` (the smoke test) skips the child's
 * start-up cost at the price of sharing the event loop.
 */
export async function drive(spec: LoadSpec | RawSpec, inProcess = false): Promise<LoadResult> {
  if (inProcess) return spec.mode === 'raw' ? runRaw(spec) : runLoad(spec)
  const dir = mkdtempSync(join(tmpdir(), 'herald-load-'))
  const file = join(dir, 'spec.json')
  writeFileSync(file, JSON.stringify(spec))
  try {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', LOADER, file], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      let text = ''
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8')
      })
      child.on('error', reject)
      child.on('close', (code) =>
        code === 0 ? resolve(text) : reject(new Error(`load generator exited with ${code}`)),
      )
    })
    return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as LoadResult
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export const get = (path: string, token: string): LoadRequest => ({
  method: 'GET',
  path,
  headers: { authorization: `Bearer ${token}` },
})

export const post = (path: string, token: string, body?: unknown): LoadRequest => ({
  method: 'POST',
  path,
  headers:
    body === undefined
      ? { authorization: `Bearer ${token}` }
      : { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  body: body === undefined ? undefined : JSON.stringify(body),
})
