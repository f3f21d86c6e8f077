import assert from 'node:assert/strict'
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { sql } from 'kysely'
import { loadConfig } from '../../src/config.ts'
import { openStorage } from '../../src/storage/db.ts'
import { acquireStoreLock } from '../../src/storage/store-lock.ts'

const root = mkdtempSync(join(tmpdir(), 'herald-modes-'))
const mode = (path: string) => statSync(path).mode & 0o777

/** The warnings the process is given while `work` runs. */
async function warnings(work: () => unknown): Promise<string[]> {
  const seen: string[] = []
  const listen = (w: Error) => seen.push(w.message)
  process.on('warning', listen)
  try {
    await work()
    // Warnings are delivered on the next tick.
    await new Promise((resolve) => setImmediate(resolve))
  } finally {
    process.off('warning', listen)
  }
  return seen
}

describe('file modes of the data directory and the secret', {
  skip: process.platform === 'win32',
}, () => {
  after(() => rmSync(root, { recursive: true, force: true }))

  test('a first start creates the data directory 0700 and the development secret 0600', async () => {
    const dir = join(root, 'fresh', 'data')
    const seen = await warnings(() => loadConfig({ HERALD_DATA_DIR: dir }))
    assert.equal(mode(dir), 0o700)
    assert.equal(mode(join(dir, 'dev-secret')), 0o600)
    assert.deepEqual(seen, [])
  })

  test('a start tightens a data directory and a secret left open, with a warning each', async () => {
    const dir = join(root, 'open')
    mkdirSync(dir, { mode: 0o755 })
    chmodSync(dir, 0o755)
    writeFileSync(join(dir, 'dev-secret'), 'x'.repeat(43), { mode: 0o644 })
    chmodSync(join(dir, 'dev-secret'), 0o644)
    const seen = await warnings(() => loadConfig({ HERALD_DATA_DIR: dir }))
    assert.equal(mode(dir), 0o700)
    assert.equal(mode(join(dir, 'dev-secret')), 0o600)
    assert.equal(seen.length, 2, seen.join('\n'))
    assert.match(seen.join('\n'), /mode 0755.*0700[\s\S]*mode 0644.*0600/)
  })

  test('the embedded store and its lock live in directories only their owner can enter', async () => {
    const dir = join(root, 'store')
    mkdirSync(dir, { mode: 0o755 })
    chmodSync(dir, 0o755)
    const url = join(dir, 'pglite')
    const lock = acquireStoreLock(`${url}.lock`, 'test')
    const storage = await openStorage({ url })
    try {
      await sql`SELECT 1`.execute(storage.db)
      assert.equal(mode(dir), 0o700)
      assert.equal(mode(url), 0o700)
      assert.ok(readdirSync(url).length > 0, 'the store wrote its files')
    } finally {
      await storage.close()
      lock.release()
    }
  })
})
