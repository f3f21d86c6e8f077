import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createHeraldServerClient, HeraldApiError } from '@herald/client'
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
})
