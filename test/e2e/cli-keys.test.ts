import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { herald, heraldFails, heraldWith, type Served, serve } from '../support/cli.ts'
import { goOnWithPostgres, PG_URL } from '../support/harness.ts'

interface Listed {
  id: string
  name: string | null
  createdAt: string
  lastUsedAt: string | null
  expiresAt: string | null
}

const idOf = (key: string) => key.slice(3, key.indexOf('.'))
const secretOf = (key: string) => key.slice(key.indexOf('.') + 1)

/** The `herald keys` commands in one directory, with one environment. */
function keysIn(dir: string, env: NodeJS.ProcessEnv) {
  const run = (...args: string[]) => heraldWith(dir, env, 'keys', ...args)
  return {
    create: async (tenant: string, name: string) =>
      (await run('create', '--tenant', tenant, '--name', name)).stdout.trim(),
    list: async (tenant: string) =>
      JSON.parse((await run('list', '--tenant', tenant, '--json')).stdout) as Listed[],
    revoke: (tenant: string, which: string) => run('revoke', '--tenant', tenant, which),
    rotate: (tenant: string, which: string, ...more: string[]) =>
      run('rotate', '--tenant', tenant, which, ...more),
  }
}

describe('herald keys through a running server (embedded store)', () => {
  let dir = ''
  let server: Served | null = null
  const keys = () => keysIn(dir, {})
  const works = async (key: string) =>
    (
      await fetch(`${server?.url}/v1/users`, {
        headers: { authorization: `Bearer ${key}` },
      })
    ).status

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-keys-'))
    server = await serve(dir)
  })
  after(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('list shows names and times, and no secret, as JSON and as a table', async () => {
    const ci = await keys().create('acme', 'ci')
    const web = await keys().create('acme', 'web')
    assert.equal(await works(ci), 200)
    const listed = await keys().list('acme')
    assert.deepEqual(
      listed.map((k) => [k.id, k.name]),
      [
        [idOf(ci), 'ci'],
        [idOf(web), 'web'],
      ],
    )
    assert.ok(listed[0]?.lastUsedAt, 'the used key has a last use')
    assert.equal(listed[1]?.lastUsedAt, null)
    const table = (await herald(dir, 'keys', 'list', '--tenant', 'acme')).stdout
    assert.match(table, /^ID\s+NAME\s+CREATED\s+LAST USED\s+EXPIRES/)
    assert.match(table, new RegExp(`${idOf(web)}\\s+web\\s+\\S+\\s+never`))
    for (const key of [ci, web]) {
      assert.ok(!table.includes(secretOf(key)))
      assert.ok(!JSON.stringify(listed).includes(secretOf(key)))
    }
  })

  test('revoke by id and by the key itself: the server refuses the key at once', async () => {
    const byId = await keys().create('revoking', 'one')
    const byKey = await keys().create('revoking', 'two')
    assert.equal(await works(byId), 200)
    assert.equal(await works(byKey), 200)
    assert.equal(
      (await keys().revoke('revoking', idOf(byId))).stdout.trim(),
      `revoked ${idOf(byId)}`,
    )
    assert.equal(await works(byId), 401)
    await keys().revoke('revoking', byKey)
    assert.equal(await works(byKey), 401)
    assert.deepEqual(await keys().list('revoking'), [])
    const again = await heraldFails(dir, {}, 'keys', 'revoke', '--tenant', 'revoking', byKey)
    assert.equal(again.code, 1)
    assert.match(again.stderr, /404: API key not found/)
  })

  test('rotate by the key with no overlap, and by id with the default overlap', async () => {
    const old = await keys().create('rotating', 'backend')
    const now = await keys().rotate('rotating', old, '--overlap', '0')
    const fresh = now.stdout.trim()
    assert.match(fresh, /^hk_/)
    assert.match(now.stderr, new RegExp(`old key ${idOf(old)} works until`))
    assert.equal(await works(old), 401)
    assert.equal(await works(fresh), 200)

    const later = await keys().rotate('rotating', idOf(fresh))
    const until = /works until (\S+)/.exec(later.stderr)?.[1]
    assert.ok(until, later.stderr)
    const hours = (Date.parse(until) - Date.now()) / 3_600_000
    assert.ok(hours > 23.9 && hours <= 24, `${hours} h`)
    assert.equal(await works(fresh), 200, 'the old key works during the overlap')
    assert.equal(await works(later.stdout.trim()), 200)
    const listed = await keys().list('rotating')
    assert.deepEqual(
      listed.map((k) => [k.name, k.expiresAt === null]),
      [
        ['backend', false],
        ['backend', true],
      ],
    )
  })

  test("another tenant's key is not found and stays working", async () => {
    const mine = await keys().create('tenant-a', 'a')
    const err = await heraldFails(dir, {}, 'keys', 'revoke', '--tenant', 'tenant-b', mine)
    assert.equal(err.code, 1)
    assert.match(err.stderr, /not found/)
    assert.equal(await works(mine), 200)
  })

  test('bad arguments print usage and exit 2', async () => {
    for (const args of [
      ['keys', 'revoke', '--tenant', 'acme'],
      ['keys', 'rotate', '--tenant', 'acme', 'a', 'b'],
      ['keys', 'rotate', '--tenant', 'acme', 'abc', '--overlap', '-5'],
      ['keys', 'rotate', '--tenant', 'acme', 'abc', '--overlap', 'soon'],
      ['keys', 'list', '--tenant', 'acme', 'extra'],
      ['keys', 'burn', '--tenant', 'acme'],
    ]) {
      const err = await heraldFails(dir, {}, ...args)
      assert.equal(err.code, 2, args.join(' '))
      assert.match(err.stderr, /usage: herald/)
    }
  })

  test('with the server stopped, the commands open the store themselves', async () => {
    await server?.stop()
    const listed = await keys().list('acme')
    assert.deepEqual(
      listed.map((k) => k.name),
      ['ci', 'web'],
    )
    const web = listed[1]?.id ?? ''
    const rotated = (await keys().rotate('acme', web, '--overlap', '0')).stdout.trim()
    assert.match(rotated, /^hk_/)
    await keys().revoke('acme', rotated)
    assert.deepEqual(
      (await keys().list('acme')).map((k) => k.name),
      ['ci'],
    )
  })
})

describe('herald keys on PostgreSQL, no server', async () => {
  if (!goOnWithPostgres()) return
  const schema = `t_cli_${randomBytes(6).toString('hex')}`
  const env = { DATABASE_URL: `${PG_URL}?options=-c%20search_path%3D${schema}` }
  let dir = ''
  const admin = async (text: string) => {
    const c = new pg.Client({ connectionString: PG_URL })
    await c.connect()
    try {
      await c.query(text)
    } finally {
      await c.end()
    }
  }
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-keys-pg-'))
    await admin(`CREATE SCHEMA ${schema}`)
  })
  after(async () => {
    await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    rmSync(dir, { recursive: true, force: true })
  })

  test('create, list, rotate by id, revoke by the key', async () => {
    const keys = keysIn(dir, env)
    const first = await keys.create('pg', 'first')
    assert.deepEqual(
      (await keys.list('pg')).map((k) => [k.id, k.name, k.expiresAt]),
      [[idOf(first), 'first', null]],
    )
    const rotated = await keys.rotate('pg', idOf(first), '--overlap', '60', '--name', 'second')
    const second = rotated.stdout.trim()
    const listed = await keys.list('pg')
    assert.deepEqual(
      listed.map((k) => [k.id, k.name, k.expiresAt !== null]),
      [
        [idOf(first), 'first', true],
        [idOf(second), 'second', false],
      ],
    )
    await keys.revoke('pg', second)
    await keys.revoke('pg', first)
    assert.deepEqual(await keys.list('pg'), [])
    const err = await heraldFails(dir, env, 'keys', 'rotate', '--tenant', 'pg', second)
    assert.equal(err.code, 1)
    assert.match(err.stderr, /API key not found/)
  })
})
