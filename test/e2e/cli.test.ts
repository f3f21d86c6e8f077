import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { BIN, herald, heraldFails, run, type Served, serve } from '../support/cli.ts'

describe('end to end: the real server and CLI, no configuration', () => {
  let dir = ''
  let server: Served | null = null
  let url = ''

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-e2e-'))
    // Port 0 only because tests share the machine; everything else is the default.
    server = await serve(dir)
    url = server.url
    assert.match(server.out, /embedded PGlite/)
    assert.match(server.out, /Development secret generated/)
  })

  after(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('key and token from the CLI; send, list, mark read and count over HTTP', async () => {
    const key = (await herald(dir, 'keys', 'create', '--tenant', 'demo')).stdout.trim()
    assert.match(key, /^hk_/)
    const token = (await herald(dir, 'token', '--tenant', 'demo', '--user', 'alice')).stdout.trim()
    assert.equal(token.split('.').length, 3)

    const cliSend = await herald(
      dir,
      'send',
      '--tenant',
      'demo',
      '--to',
      'alice',
      '--type',
      'welcome',
      '--title',
      'From the shell',
    )
    assert.equal(JSON.parse(cliSend.stdout).recipients, 1)

    const sent = await fetch(`${url}/v1/notifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        to: { users: ['alice', 'bob'] },
        type: 'comment',
        title: 'Over HTTP',
      }),
    })
    assert.equal(sent.status, 201)

    const auth = { authorization: `Bearer ${token}` }
    const list = (await (await fetch(`${url}/v1/me/notifications`, { headers: auth })).json()) as {
      items: Array<{ id: number; title: string; read: boolean }>
    }
    assert.deepEqual(
      list.items.map((n) => n.title),
      ['Over HTTP', 'From the shell'],
    )
    const first = list.items[0]
    assert.ok(first)
    const read = await fetch(`${url}/v1/me/notifications/${first.id}/read`, {
      method: 'POST',
      headers: auth,
    })
    assert.equal(read.status, 200)
    assert.equal(((await read.json()) as { read: boolean }).read, true)

    const counts = (await (await fetch(`${url}/v1/me/counts`, { headers: auth })).json()) as {
      counts: Record<string, number>
    }
    assert.deepEqual(counts.counts, { total: 2, unread: 1, unseen: 1 })
  })

  test('token --tenants mints one token for a user in several tenants', async () => {
    const token = (
      await herald(dir, 'token', '--tenant', 'demo', '--tenants', 'north,south', '--user', 'ann')
    ).stdout.trim()
    await herald(dir, 'send', '--tenant', 'south', '--to', 'ann', '--type', 'x', '--title', 'S')
    const titles = async (tenant: string) => {
      const res = await fetch(`${url}/v1/me/notifications`, {
        headers: { authorization: `Bearer ${token}`, 'x-herald-tenant': tenant },
      })
      if (res.status !== 200) return res.status
      return ((await res.json()) as { items: Array<{ title: string }> }).items.map((n) => n.title)
    }
    assert.deepEqual(await titles('south'), ['S'])
    assert.deepEqual(await titles('north'), [])
    assert.equal(await titles('west'), 403)
    const many = Array.from({ length: 51 }, (_, i) => `t${i}`).join(',')
    const refused = await heraldFails(
      dir,
      {},
      'token',
      '--tenant',
      'demo',
      '--tenants',
      many,
      '--user',
      'ann',
    )
    assert.match(refused.stderr, /--tenants names at most 50 tenants/)
  })

  test('send --at stores the send; the running server delivers what is due', async () => {
    const key = (await herald(dir, 'keys', 'create', '--tenant', 'demo')).stdout.trim()
    const producer = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
    // An hour ahead: a CLI start on a busy machine takes seconds.
    const at = new Date(Date.now() + 3_600_000).toISOString()
    const args = ['send', '--tenant', 'demo', '--to', 'carol', '--type', 't', '--title', 'Later']
    const out = JSON.parse((await herald(dir, ...args, '--at', at)).stdout)
    assert.equal(out.status, 'scheduled')
    assert.equal(out.sendAt, at)
    const stored = await fetch(`${url}/v1/scheduled/${out.id}`, { headers: producer })
    assert.equal(((await stored.json()) as { status: string }).status, 'scheduled')

    // The server started its scheduler: a send due in a second is delivered without anyone asking.
    const soon = await fetch(`${url}/v1/notifications`, {
      method: 'POST',
      headers: producer,
      body: JSON.stringify({ to: { users: ['carol'] }, type: 't', title: 'Soon', delaySeconds: 1 }),
    })
    assert.equal(soon.status, 202)
    const { id } = (await soon.json()) as { id: string }
    let status = 'scheduled'
    for (let i = 0; i < 600 && status === 'scheduled'; i++) {
      await new Promise((r) => setTimeout(r, 100))
      const res = await fetch(`${url}/v1/scheduled/${id}`, { headers: producer })
      status = ((await res.json()) as { status: string }).status
    }
    assert.equal(status, 'delivered')

    const bad = await herald(dir, ...args, '--at', 'tomorrow').then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    )
    assert.equal(bad?.code, 2)
    assert.match(bad?.stderr ?? '', /--at takes an RFC 3339 time/)
  })

  test('a send that reaches nobody warns on stderr; preferences from the CLI mute a type', async () => {
    const empty = await herald(
      dir,
      'send',
      '--tenant',
      'quiet',
      '--topic',
      'nobody',
      '--type',
      'x',
      '--title',
      't',
    )
    assert.equal(JSON.parse(empty.stdout).recipients, 0)
    assert.match(empty.stderr, /herald: warning: reached nobody: topic "nobody" has no subscribers/)
    const all = await herald(
      dir,
      'send',
      '--tenant',
      'quiet',
      '--all',
      '--type',
      'x',
      '--title',
      't',
    )
    assert.match(all.stderr, /warning: reached nobody: the tenant has no users/)

    const first = await herald(
      dir,
      'send',
      '--tenant',
      'quiet',
      '--to',
      'ann',
      '--type',
      'x',
      '--title',
      't',
    )
    assert.equal(first.stderr, '')
    const set = await herald(
      dir,
      'preferences',
      'set',
      '--tenant',
      'quiet',
      '--user',
      'ann',
      '--json',
      '{"types":{"x":{"inApp":false}}}',
    )
    assert.deepEqual(JSON.parse(set.stdout).types, { x: { inApp: false } })
    const got = await herald(dir, 'preferences', 'get', '--tenant', 'quiet', '--user', 'ann')
    assert.deepEqual(JSON.parse(got.stdout).types, { x: { inApp: false } })
    const muted = await herald(
      dir,
      'send',
      '--tenant',
      'quiet',
      '--to',
      'ann',
      '--type',
      'x',
      '--title',
      't',
    )
    assert.equal(JSON.parse(muted.stdout).skipped, 1)
    assert.match(muted.stderr, /warning: reached nobody: the recipient has turned/)
    const critical = await herald(
      dir,
      'send',
      '--tenant',
      'quiet',
      '--to',
      'ann',
      '--type',
      'x',
      '--title',
      't',
      '--critical',
    )
    assert.equal(JSON.parse(critical.stdout).recipients, 1)
    assert.equal(critical.stderr, '')
    // The server's refusal of a bad document is the command's failure.
    const bad = await herald(
      dir,
      'preferences',
      'set',
      '--tenant',
      'quiet',
      '--json',
      '{"types":{}}',
    ).catch((e: { code: number; stderr: string }) => e)
    assert.equal((bad as { code: number }).code, 1)
    assert.match((bad as { stderr: string }).stderr, /400/)
  })

  test('without a server, preferences and the send warning work on the store itself', async () => {
    const alone = mkdtempSync(join(tmpdir(), 'herald-e2e-alone-'))
    try {
      const set = await herald(
        alone,
        'preferences',
        'set',
        '--tenant',
        't',
        '--json',
        '{"categories":{"social":{"types":["like"],"inApp":false}},"types":{}}',
      )
      assert.deepEqual(JSON.parse(set.stdout).categories.social, { types: ['like'], inApp: false })
      const sent = await herald(
        alone,
        'send',
        '--tenant',
        't',
        '--to',
        'ann',
        '--type',
        'like',
        '--title',
        't',
      )
      assert.equal(JSON.parse(sent.stdout).skipped, 1)
      assert.match(sent.stderr, /warning: reached nobody/)
      const unknown = await herald(
        alone,
        'preferences',
        'get',
        '--tenant',
        't',
        '--user',
        'nobody',
      ).catch((e: { code: number; stderr: string }) => e)
      assert.match((unknown as { stderr: string }).stderr, /404/)
    } finally {
      rmSync(alone, { recursive: true, force: true })
    }
  })

  test('the server is healthy and serves its docs', async () => {
    assert.equal((await fetch(`${url}/readyz`)).status, 200)
    const spec = (await (await fetch(`${url}/openapi.json`)).json()) as { openapi: string }
    assert.equal(spec.openapi, '3.1.0')
    assert.equal((await fetch(`${url}/docs/`)).status, 200)
  })

  test('wrong arguments print usage and exit non-zero', async () => {
    for (const args of [
      ['frobnicate'],
      ['token', '--tenant', 'demo'],
      ['keys', 'list'],
      ['token', '--bogus'],
    ]) {
      const err = (await herald(dir, ...args).then(
        () => null,
        (e: unknown) => e,
      )) as { code: number; stderr: string } | null
      assert.ok(err, `${args.join(' ')} should fail`)
      assert.equal(err.code, 2)
      assert.match(err.stderr, /usage: herald/)
    }
    const none = await run(process.execPath, [BIN], { cwd: dir }).catch((e: { code: number }) => e)
    assert.equal((none as { code: number }).code, 2)
  })
})
