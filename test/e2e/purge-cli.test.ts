import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { sql } from 'kysely'
import { herald, heraldFails, heraldWith, serve } from '../support/cli.ts'
import { PG_URL, SECRET, skipWithoutPostgres, startHerald } from '../support/harness.ts'

const dirs: string[] = []
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'herald-purge-'))
  dirs.push(d)
  return d
}

const DAY = 86_400_000
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString()

/** What `herald purge` printed. */
const printed = (stdout: string) =>
  JSON.parse(stdout) as {
    tenant: string | null
    deleted: { expired: number; read: number; old: number; messages?: number }
  }

const post = (url: string, key: string, path: string, body: unknown, method = 'POST') =>
  fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })

test('herald purge on the embedded store: through a running server for one tenant, by itself once it stops', {
  timeout: 400_000,
}, async () => {
  const dir = tempDir()
  // Its own background job waits an hour: what is purged here is the CLI's doing.
  const server = await serve(dir, { HERALD_CLEANUP_INTERVAL_MS: '3600000' })
  try {
    const key = (await herald(dir, 'keys', 'create', '--tenant', 'demo')).stdout.trim()
    const other = (await herald(dir, 'keys', 'create', '--tenant', 'other')).stdout.trim()
    const sends = [
      { title: 'read long ago', createdAt: ago(20), read: ago(10) },
      { title: 'unread', createdAt: ago(20) },
      { title: 'expired', expiresAt: ago(1) },
    ]
    for (const s of sends) {
      const res = await post(server.url, key, '/v1/notifications', {
        to: { users: ['alice'] },
        type: 't',
        ...s,
      })
      assert.equal(res.status, 201)
    }
    const policy = await post(server.url, key, '/v1/retention', { readDays: 7 }, 'PUT')
    assert.equal(policy.status, 200)

    // Every tenant at once is the server's own job: the CLI says so, and changes nothing.
    const refused = await heraldFails(dir, {}, 'purge')
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /owns the store.*--tenant/)

    const out = printed((await herald(dir, 'purge', '--tenant', 'demo')).stdout)
    assert.deepEqual(out, { tenant: 'demo', deleted: { expired: 1, read: 1, old: 0 } })

    // Left for the store-owning run below: another tenant's expired notification.
    const res = await post(server.url, other, '/v1/notifications', {
      to: { users: ['bob'] },
      type: 't',
      title: 'expired elsewhere',
      expiresAt: ago(1),
    })
    assert.equal(res.status, 201)
  } finally {
    await server.stop()
  }
  const alone = printed((await herald(dir, 'purge')).stdout)
  assert.equal(alone.tenant, null)
  assert.deepEqual(
    { expired: alone.deleted.expired, read: alone.deleted.read, old: alone.deleted.old },
    { expired: 1, read: 0, old: 0 },
  )
  // The messages the purged notifications pointed at went too.
  assert.equal(alone.deleted.messages, 3)
})

test('herald purge on PostgreSQL opens the store itself, purges the named tenant only, and prints the counts', {
  skip: skipWithoutPostgres,
  timeout: 120_000,
}, async () => {
  const h = await startHerald('postgres')
  try {
    const [tenant, other] = [h.tenant(), h.tenant()]
    const [key, otherKey] = [await h.apiKey(tenant), await h.apiKey(other)]
    const sendAs = async (k: string, fields: Record<string, unknown>) => {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/notifications',
        headers: { authorization: `Bearer ${k}` },
        payload: { to: { users: ['alice'] }, type: 't', ...fields },
      })
      assert.equal(res.statusCode, 201, res.body)
    }
    await sendAs(key, { title: 'a year old', createdAt: ago(400) })
    await sendAs(key, { title: 'new' })
    await sendAs(otherKey, { title: 'a year old elsewhere', createdAt: ago(400) })
    for (const k of [key, otherKey]) {
      const res = await h.app.inject({
        method: 'PUT',
        url: '/v1/retention',
        headers: { authorization: `Bearer ${k}` },
        payload: { allDays: 365 },
      })
      assert.equal(res.statusCode, 200)
    }
    const env = {
      DATABASE_URL: `${PG_URL}?options=${encodeURIComponent(`-c search_path=${h.storage.schema}`)}`,
      HERALD_JWT_SECRET: SECRET,
    }
    const out = printed((await heraldWith(tempDir(), env, 'purge', '--tenant', tenant)).stdout)
    assert.deepEqual(out.deleted, {
      expired: 0,
      read: 0,
      old: 1,
      messages: 1,
      idempotencyKeys: 0,
      scheduledSends: 0,
      broadcasts: 0,
    })
    const left = await sql<{ tenant_id: string }>`SELECT tenant_id FROM notifications
      WHERE tenant_id IN (${tenant}, ${other}) ORDER BY tenant_id`.execute(h.storage.db)
    assert.deepEqual(
      left.rows.map((r) => r.tenant_id),
      [tenant, other].sort(),
    )
  } finally {
    await h.close()
  }
})
