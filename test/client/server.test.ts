import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createHeraldServerClient, HeraldApiError, isScheduled } from '@herald/client'
import { clientWorld } from '../support/client.ts'
import { describeEngines } from '../support/harness.ts'

describeEngines('@herald/client: the server client', (get) => {
  const world = clientWorld(get)

  test('send, with an idempotency key that makes a retry create nothing twice', async () => {
    const { server, client } = await world.tenant()
    const body = { to: { users: ['alice'] }, type: 'comment', title: 'Once' }
    const first = await server.send(body, { idempotencyKey: 'k-1' })
    const retry = await server.send(body, { idempotencyKey: 'k-1' })
    assert.equal(first.replayed, false)
    assert.deepEqual(retry, { ...first, replayed: true })
    assert.equal((await client.notifications.list()).items.length, 1)
    await assert.rejects(
      server.send({ ...body, title: 'Changed' }, { idempotencyKey: 'k-1' }),
      (err: unknown) =>
        err instanceof HeraldApiError && err.status === 409 && err.code === 'CONFLICT',
    )
    // Without a key, each send is its own.
    await server.send(body)
    assert.equal((await client.counts()).total, 2)
  })

  test('scheduled sends: send with sendAt, list, get, cancel by id and by key', async () => {
    const { server, client } = await world.tenant()
    const body = { to: { users: ['alice'] }, type: 'reminder', title: 'Later' }
    const sendAt = new Date(Date.now() + 86_400_000).toISOString()
    const one = await server.send({ ...body, sendAt })
    assert.ok(isScheduled(one))
    assert.equal(one.status, 'scheduled')
    const two = await server.send({ ...body, delaySeconds: 3600 }, { idempotencyKey: 'later/2' })
    assert.ok(isScheduled(two))
    const listed = await server.scheduled.list({ limit: 1 })
    assert.deepEqual(
      listed.items.map((s) => s.id),
      [two.id],
    )
    assert.ok(listed.nextCursor)
    assert.equal((await server.scheduled.get(one.id)).sendAt, sendAt)
    assert.equal((await server.scheduled.getByKey('later/2')).id, two.id)
    assert.equal((await server.scheduled.cancelByKey('later/2')).status, 'cancelled')
    assert.equal((await server.scheduled.cancel(one.id)).status, 'cancelled')
    await assert.rejects(
      server.scheduled.cancel(one.id),
      (err: unknown) =>
        err instanceof HeraldApiError && err.status === 409 && err.code === 'CONFLICT',
    )
    await assert.rejects(
      server.scheduled.get('00000000-0000-4000-8000-000000000000'),
      (err: unknown) => err instanceof HeraldApiError && err.status === 404,
    )
    // A time already past sends at once.
    const now = await server.send({ ...body, sendAt: new Date(Date.now() - 1000).toISOString() })
    assert.ok(!isScheduled(now))
    assert.equal(now.recipients, 1)
    assert.equal((await client.notifications.list()).items.length, 1)
  })

  test('users: put, get, list, delete', async () => {
    const { server } = await world.tenant()
    const put = await server.users.put('alice', { username: 'alice', displayName: 'Alice' })
    assert.equal(put.id, 'alice')
    assert.equal(put.displayName, 'Alice')
    assert.equal((await server.users.get('alice')).username, 'alice')
    await server.users.put('bob', { displayName: 'Bob' })
    const listed = await server.users.list({ limit: 1 })
    assert.deepEqual(
      listed.items.map((u) => u.id),
      ['alice'],
    )
    assert.equal(listed.next, 'alice')
    const rest = await server.users.list({ after: listed.next ?? undefined })
    assert.deepEqual(
      rest.items.map((u) => u.id),
      ['bob'],
    )
    assert.equal(await server.users.delete('bob'), undefined)
    await assert.rejects(
      server.users.get('bob'),
      (err: unknown) => err instanceof HeraldApiError && err.status === 404,
    )
  })

  test('preferences: the tenant defaults, a user’s settings, and a send skipping the muted', async () => {
    const { server, client } = await world.tenant()
    const tenant = await server.preferences.setTenant({
      categories: { social: { types: ['comment', 'like'], inApp: null } },
      types: { digest: { inApp: false } },
    })
    assert.deepEqual(await server.preferences.getTenant(), tenant)
    const mine = await client.preferences.set({ categories: { social: { inApp: false } } })
    assert.deepEqual(mine.categories, { social: { inApp: false } })
    assert.deepEqual(mine.defaults, tenant)
    assert.deepEqual((await client.preferences.get()).categories, mine.categories)
    // 'alice' is the client's user: known to the tenant once sent to.
    await server.send({ to: { users: ['alice'] }, type: 'welcome', title: 'Hi' })
    const set = await server.preferences.setUser('alice', { types: { like: { inApp: true } } })
    assert.deepEqual(set.types, { like: { inApp: true } })
    assert.deepEqual(set.categories, {})
    assert.deepEqual((await server.preferences.getUser('alice')).types, set.types)
    await server.preferences.setUser('alice', { categories: { social: { inApp: false } } })
    const skipped = await server.send({ to: { users: ['alice'] }, type: 'comment', title: 'c' })
    assert.equal(skipped.recipients, 0)
    assert.equal(skipped.skipped, 1)
    assert.match(skipped.warning ?? '', /reached nobody/)
    await assert.rejects(
      server.preferences.getUser('nobody'),
      (err: unknown) => err instanceof HeraldApiError && err.status === 404,
    )
    await assert.rejects(
      client.preferences.set({ categories: { unknown: { inApp: false } } }),
      (err: unknown) => err instanceof HeraldApiError && err.code === 'VALIDATION',
    )
  })

  test('topics: subscribers set and read, and a send to the topic reaches them', async () => {
    const { server, client } = await world.tenant()
    const set = await server.topics.setSubscribers('project-42', { add: ['alice', 'bob'] })
    assert.deepEqual(set, { topic: 'project-42', subscribers: ['alice', 'bob'] })
    await server.topics.setSubscribers('project-42', { remove: ['bob'] })
    assert.deepEqual((await server.topics.getSubscribers('project-42')).subscribers, ['alice'])
    await server.send({ to: { topic: 'project-42' }, type: 'build', title: 'Green' })
    assert.equal((await client.notifications.list()).items[0]?.title, 'Green')
  })

  test('retention: put, get, and a purge now deletes what the policy no longer keeps', async () => {
    const { server, client } = await world.tenant()
    assert.deepEqual(await server.retention.get(), { readDays: null, allDays: null })
    const old = new Date(Date.now() - 3 * 86_400_000).toISOString()
    await server.send({ to: { users: ['alice'] }, type: 'c', title: 'Old', createdAt: old })
    await server.send({ to: { users: ['alice'] }, type: 'c', title: 'New' })
    assert.deepEqual(await server.retention.put({ allDays: 2 }), { readDays: null, allDays: 2 })
    assert.deepEqual(await server.retention.get(), { readDays: null, allDays: 2 })
    assert.deepEqual(await server.retention.purge(), { expired: 0, read: 0, old: 1, more: false })
    assert.deepEqual(
      (await client.notifications.list()).items.map((n) => n.title),
      ['New'],
    )
    await assert.rejects(
      server.retention.put({ readDays: 0 }),
      (err: unknown) => err instanceof HeraldApiError && err.status === 400,
    )
  })

  test('apiKeys.create makes a working key; a bad key is a 401', async () => {
    const { server, client } = await world.tenant()
    const created = await server.apiKeys.create({ name: 'ci' })
    assert.match(created.key, /^hk_/)
    const second = createHeraldServerClient({ baseUrl: world.url(), apiKey: created.key })
    await second.send({ to: { users: ['alice'] }, type: 'comment', title: 'from the new key' })
    assert.equal((await client.counts()).total, 1)
    assert.match((await second.apiKeys.create()).key, /^hk_/)

    const bad = createHeraldServerClient({ baseUrl: world.url(), apiKey: 'hk_nope' })
    await assert.rejects(
      bad.users.list(),
      (err: unknown) => err instanceof HeraldApiError && err.status === 401,
    )
    await assert.rejects(
      server.send({ to: { users: [] }, type: '', title: '' }),
      (err: unknown) => err instanceof HeraldApiError && err.status === 400,
    )
  })

  test('apiKeys: list without secrets, rotate with no overlap, revoke', async () => {
    const { server } = await world.tenant()
    const made = await server.apiKeys.create({ name: 'worker' })
    const listed = await server.apiKeys.list()
    const entry = listed.items.find((k) => k.id === made.id)
    assert.equal(entry?.name, 'worker')
    assert.ok(!JSON.stringify(listed).includes(made.key.split('.')[1] ?? '?'))
    const rotated = await server.apiKeys.rotate(made.id, { overlapSeconds: 0 })
    assert.equal(rotated.previous.id, made.id)
    const old = createHeraldServerClient({ baseUrl: world.url(), apiKey: made.key })
    await assert.rejects(
      old.users.list(),
      (err: unknown) => err instanceof HeraldApiError && err.status === 401,
    )
    assert.equal(await server.apiKeys.revoke(rotated.id), undefined)
    const fresh = createHeraldServerClient({ baseUrl: world.url(), apiKey: rotated.key })
    await assert.rejects(
      fresh.users.list(),
      (err: unknown) => err instanceof HeraldApiError && err.status === 401,
    )
    await assert.rejects(
      server.apiKeys.revoke(rotated.id),
      (err: unknown) => err instanceof HeraldApiError && err.code === 'NOT_FOUND',
    )
  })
})
