import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createHeraldClient, HeraldApiError, type Notification } from '@herald/client'
import { clientWorld } from '../support/client.ts'
import { describeEngines } from '../support/harness.ts'

const rejectsWith = async (p: Promise<unknown>, status: number, code: string) => {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof HeraldApiError)
    assert.equal(err.status, status)
    assert.equal(err.code, code)
    assert.ok(err.requestId)
    return true
  })
}

describeEngines('@herald/client: the inbox', (get) => {
  const world = clientWorld(get)

  test('list answers a page; pages() follows the cursor to the last page', async () => {
    const { server, client } = await world.tenant()
    for (let i = 1; i <= 7; i++) {
      await server.send({
        to: { users: ['alice'] },
        type: i % 2 ? 'comment' : 'mention',
        title: `n${i}`,
      })
    }
    const first = await client.notifications.list({ limit: 3 })
    assert.deepEqual(
      first.items.map((n) => n.title),
      ['n7', 'n6', 'n5'],
    )
    assert.equal(typeof first.nextCursor, 'string')
    const pages: string[][] = []
    for await (const items of client.notifications.pages({ limit: 3 })) {
      pages.push(items.map((n) => n.title))
    }
    assert.deepEqual(pages, [['n7', 'n6', 'n5'], ['n4', 'n3', 'n2'], ['n1']])
    // Filters travel with every page.
    const comments: string[] = []
    for await (const items of client.notifications.pages({ type: 'comment', limit: 2 })) {
      comments.push(...items.map((n) => n.title))
    }
    assert.deepEqual(comments, ['n7', 'n5', 'n3', 'n1'])
    const unread = await client.notifications.list({ read: false, limit: 100 })
    assert.equal(unread.items.length, 7)
    assert.equal(unread.nextCursor, null)
  })

  test('get, every single action, and delete', async () => {
    const { server, client } = await world.tenant()
    const sent = await server.send({ to: { users: ['alice'] }, type: 'comment', title: 'one' })
    const id = sent.notifications?.[0]?.id
    assert.ok(id)
    const n = await client.notifications.get(id)
    assert.equal(n.title, 'one')
    assert.equal(n.read, false)
    // By UUID too.
    assert.equal((await client.notifications.get(n.uuid)).id, id)

    const states: Array<[keyof Notification, unknown]> = []
    const check = async (p: Promise<Notification>, field: keyof Notification, want: unknown) => {
      const after = await p
      assert.equal(after.id, id)
      states.push([field, after[field]])
      assert.equal(after[field], want, `${String(field)} after the action`)
    }
    await check(client.notifications.read(id), 'read', true)
    await check(client.notifications.unread(id), 'read', false)
    await check(client.notifications.seen(id), 'seen', true)
    await check(client.notifications.unseen(id), 'seen', false)
    await check(client.notifications.dismiss(id), 'dismissed', true)
    await check(client.notifications.undismiss(id), 'dismissed', false)
    const until = new Date(Date.now() + 3_600_000)
    const snoozed = await client.notifications.snooze(id, until)
    assert.equal(new Date(snoozed.snoozedUntil ?? 0).getTime(), until.getTime())
    // A snoozed notification leaves the default list until it wakes.
    assert.equal((await client.notifications.list()).items.length, 0)
    await check(client.notifications.unsnooze(id), 'snoozedUntil', null)
    // An ISO string works as well as a Date.
    const again = await client.notifications.snooze(id, until.toISOString())
    assert.ok(again.snoozedUntil)

    assert.equal(await client.notifications.delete(id), undefined)
    await rejectsWith(client.notifications.get(id), 404, 'NOT_FOUND')
    await rejectsWith(client.notifications.delete(id), 404, 'NOT_FOUND')
  })

  test('bulk by ids and by filter, markAllRead, counts with a cap, the checkpoint', async () => {
    const { server, client } = await world.tenant()
    const sent = await server.send({ to: { users: ['alice'] }, type: 'comment', title: 'a' })
    const ids: number[] = []
    for (let i = 0; i < 5; i++) {
      const r = await server.send({
        to: { users: ['alice'] },
        type: i < 2 ? 'build' : 'comment',
        title: `b${i}`,
      })
      ids.push(r.notifications?.[0]?.id ?? 0)
    }
    const first = sent.notifications?.[0]?.id ?? 0

    const byIds = await client.notifications.bulk({ action: 'read', ids: [first, 999_999_999] })
    assert.deepEqual(byIds, { changed: 1, capped: false, notFound: [999_999_999] })
    const c1 = await client.counts({ cap: 3, byType: true })
    assert.equal(c1.total, 3)
    assert.equal(c1.unread, 3)
    assert.deepEqual(c1.capped, { total: true, unread: true, unseen: true })
    assert.deepEqual(c1.byType, { build: 2, comment: 4 })
    const plain = await client.counts()
    // Reading a notification sees it too.
    assert.deepEqual([plain.total, plain.unread, plain.unseen], [6, 5, 5])
    assert.deepEqual(plain.counts, { total: 6, unread: 5, unseen: 5 })

    const builds = await client.notifications.markAllRead({ types: ['build'] })
    assert.equal(builds.changed, 2)
    assert.equal((await client.counts({ type: 'build' })).unread, 0)
    const all = await client.notifications.markAllRead()
    assert.equal(all.changed, 3)
    assert.equal((await client.counts()).unread, 0)

    const deleted = await client.notifications.bulk({ action: 'delete', ids: ids.slice(0, 2) })
    assert.equal(deleted.changed, 2)
    assert.equal((await client.counts()).total, 4)

    assert.deepEqual(await client.checkpoint.get(), { at: null })
    const moved = await client.checkpoint.move()
    assert.ok(!Number.isNaN(Date.parse(moved.at)))
    assert.deepEqual(await client.checkpoint.get(), moved)
    assert.equal((await client.counts()).unseen, 0)
  })

  test('errors are HeraldApiErrors with the status and code: 401, 404, 400', async () => {
    const { client, server } = await world.tenant()
    const stranger = createHeraldClient({ baseUrl: world.url(), token: 'not-a-token' })
    await rejectsWith(stranger.notifications.list(), 401, 'UNAUTHENTICATED')
    await rejectsWith(stranger.counts(), 401, 'UNAUTHENTICATED')
    await rejectsWith(client.notifications.get(424242), 404, 'NOT_FOUND')
    await rejectsWith(client.notifications.read(424242), 404, 'NOT_FOUND')
    // Another user's notification is missing for this one.
    await server.send({ to: { users: ['bob'] }, type: 'comment', title: 'for bob' })
    const bobs = await (await world.tenant('bob')).client.notifications.list()
    assert.equal(bobs.items.length, 0, 'another tenant sees nothing either')
    await rejectsWith(client.notifications.list({ limit: 0 }), 400, 'VALIDATION')
    await assert.rejects(client.notifications.bulk({ action: 'read' }), (err: unknown) => {
      assert.ok(err instanceof HeraldApiError)
      assert.equal(err.status, 400)
      assert.match(err.message, /ids or filter/)
      return true
    })
    // A user token on the producer side, and a server key on the user side, are refused.
    const wrongSide = createHeraldClient({ baseUrl: world.url(), token: 'hk_bogus' })
    await rejectsWith(wrongSide.counts(), 401, 'UNAUTHENTICATED')
  })

  test('a token function is called for every request, so it can refresh', async () => {
    const h = get()
    const { server, tenant } = await world.tenant()
    await server.send({ to: { users: ['dana'] }, type: 'comment', title: 'hi' })
    let calls = 0
    const client = createHeraldClient({
      baseUrl: world.url(),
      token: async () => {
        calls++
        return h.token({ tenant, user: 'dana' })
      },
    })
    assert.equal((await client.notifications.list()).items[0]?.title, 'hi')
    assert.equal((await client.counts()).unread, 1)
    assert.equal(calls, 2)
    // A plain function (not async) works too.
    const token = await h.token({ tenant, user: 'dana' })
    const sync = createHeraldClient({ baseUrl: `${world.url()}/`, token: () => token })
    assert.equal((await sync.counts()).total, 1)
  })
})
