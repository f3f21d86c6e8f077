import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { herald, heraldFails, heraldWith, serve } from '../support/cli.ts'
import { describeEngines, PG_URL, SECRET, type TestHerald } from '../support/harness.ts'

const dirs: string[] = []
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'herald-lock-'))
  dirs.push(d)
  return d
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** The CLI's environment: PostgreSQL in the suite's schema, or nothing (PGlite in ./data). */
const envFor = (h: TestHerald): NodeJS.ProcessEnv =>
  h.engine === 'postgres'
    ? {
        DATABASE_URL: `${PG_URL}?options=${encodeURIComponent(`-c search_path=${h.storage.schema}`)}`,
        HERALD_JWT_SECRET: SECRET,
      }
    : {}

const lockFile = (dir: string) => join(dir, 'data', 'pglite.lock')

const titles = async (url: string, token: string) => {
  const res = await fetch(`${url}/v1/me/notifications`, {
    headers: { authorization: `Bearer ${token}` },
  })
  const json = (await res.json()) as { items: Array<{ title: string }> }
  return json.items.map((n) => n.title)
}

const sendWithKey = (url: string, key: string, to: string) =>
  fetch(`${url}/v1/notifications`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ to: { users: [to] }, type: 'comment', title: 'With the key' }),
  })

const cliSend = (dir: string, env: NodeJS.ProcessEnv, to: string, title: string) =>
  heraldWith(dir, env, 'send', '--tenant', 'demo', '--to', to, '--type', 't', '--title', title)

describeEngines('one process owns an embedded store', (get) => {
  test('a second serve and migrate are refused; CLI writes go through the server', async () => {
    const h = get()
    const env = envFor(h)
    const dir = tempDir()
    const first = await serve(dir, env)
    try {
      if (h.engine === 'pglite') {
        for (const args of [['serve'], ['migrate']]) {
          const err = await heraldFails(dir, { HERALD_PORT: '0' }, ...args)
          assert.equal(err.code, 1)
          assert.match(err.stderr, new RegExp(`in use by "herald serve" \\(pid ${first.child.pid}`))
          assert.ok(err.stderr.includes(first.url), err.stderr)
        }
      } else {
        // PostgreSQL serves many processes: a second server and a migration run beside the first.
        const second = await serve(tempDir(), env)
        await second.stop()
        assert.match((await heraldWith(dir, env, 'migrate')).stdout, /up to date/)
      }
      const key = (await heraldWith(dir, env, 'keys', 'create', '--tenant', 'demo')).stdout.trim()
      assert.equal((await sendWithKey(first.url, key, 'alice')).status, 201)
      await cliSend(dir, env, 'alice', 'From the CLI')
      const token = (await heraldWith(dir, env, 'token', '--tenant', 'demo', '--user', 'alice'))
        .stdout
      assert.deepEqual(await titles(first.url, token.trim()), ['From the CLI', 'With the key'])
    } finally {
      await first.stop()
    }
    assert.equal(existsSync(lockFile(dir)), false, 'the server removed its own lock')
  })

  test('with no server, the CLI opens the store itself and a later server sees it', async () => {
    const h = get()
    const env = envFor(h)
    const dir = tempDir()
    const key = (await heraldWith(dir, env, 'keys', 'create', '--tenant', 'demo')).stdout.trim()
    await cliSend(dir, env, 'bob', 'Written directly')
    assert.equal(existsSync(lockFile(dir)), false, 'the CLI released the store')
    const server = await serve(dir, env)
    try {
      assert.equal((await sendWithKey(server.url, key, 'bob')).status, 201)
      const token = (await heraldWith(dir, env, 'token', '--tenant', 'demo', '--user', 'bob'))
        .stdout
      assert.deepEqual(await titles(server.url, token.trim()), ['With the key', 'Written directly'])
    } finally {
      await server.stop()
    }
  })

  test('a stale lock (its process gone) is taken over; a live one is not', async (t) => {
    if (get().engine === 'postgres') return t.skip('PostgreSQL deployments take no lock')
    const dir = tempDir()
    mkdirSync(join(dir, 'data'), { recursive: true })
    const gone = spawn(process.execPath, ['-e', ''])
    await once(gone, 'exit')
    const stale = { pid: gone.pid, startedAt: Date.now(), command: 'serve', url: null, token: 'x' }
    writeFileSync(lockFile(dir), JSON.stringify(stale))
    assert.match((await herald(dir, 'migrate')).stdout, /applied/)
    assert.equal(existsSync(lockFile(dir)), false)

    const started = Date.now() - Math.round(process.uptime() * 1000)
    const live = JSON.stringify({ ...stale, pid: process.pid, startedAt: started, token: 'live' })
    writeFileSync(lockFile(dir), live)
    const err = await heraldFails(dir, {}, 'migrate')
    assert.match(err.stderr, new RegExp(`pid ${process.pid}\\)`))
    const sent = await heraldFails(
      dir,
      {},
      'send',
      '--tenant',
      'd',
      '--to',
      'a',
      '--type',
      't',
      '--title',
      'x',
    )
    assert.match(sent.stderr, /in use by/)
    assert.equal(readFileSync(lockFile(dir), 'utf8'), live, 'nobody removed a lock it does not own')
  })
})
