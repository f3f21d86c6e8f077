import assert from 'node:assert/strict'
import { test } from 'node:test'
import { clientWorld } from '../support/client.ts'
import { describeEngines } from '../support/harness.ts'

/** A fetch that records each request's If-None-Match and the status it got. */
function recordingFetch() {
  const calls: Array<{ url: string; ifNoneMatch: string | null; status: number }> = []
  const f: typeof fetch = async (input, init) => {
    const res = await fetch(input, init)
    const headers = new Headers(init?.headers)
    calls.push({
      url: String(input),
      ifNoneMatch: headers.get('if-none-match'),
      status: res.status,
    })
    return res
  }
  return { calls, fetch: f }
}

describeEngines('@herald/client: conditional polling', (get) => {
  const world = clientWorld(get)

  test('counts and the first page are asked again with If-None-Match; a 304 answers the kept body', async () => {
    const rec = recordingFetch()
    const { server, client } = await world.tenant('alice', rec.fetch)
    await server.send({ to: { users: ['alice'] }, type: 'comment', title: 'one' })

    const first = await client.counts({ cap: 99 })
    const again = await client.counts({ cap: 99 })
    assert.deepEqual(again, first)
    assert.equal(first.counts.unread, 1)
    const [c1, c2] = rec.calls.slice(-2)
    assert.equal(c1?.ifNoneMatch, null)
    assert.equal(c1?.status, 200)
    assert.match(String(c2?.ifNoneMatch), /^W\/"/)
    assert.equal(c2?.status, 304)
    // Each answer is a copy of its own: changing one leaves the next alone.
    again.counts.unread = 42
    assert.equal((await client.counts({ cap: 99 })).counts.unread, 1)

    const page = await client.notifications.list({ limit: 5 })
    const samePage = await client.notifications.list({ limit: 5 })
    assert.deepEqual(samePage, page)
    assert.equal(rec.calls.at(-1)?.status, 304)

    // Another query is another URL: no tag of the first goes with it.
    await client.counts({ cap: 5 })
    assert.equal(rec.calls.at(-1)?.ifNoneMatch, null)

    // A change: the kept tag is stale, the server answers 200 and the client the new body.
    await server.send({ to: { users: ['alice'] }, type: 'comment', title: 'two' })
    const moved = await client.counts({ cap: 99 })
    assert.equal(moved.counts.unread, 2)
    assert.equal(rec.calls.at(-1)?.status, 200)
    assert.notEqual(rec.calls.at(-1)?.ifNoneMatch, null)
    const listed = await client.notifications.list({ limit: 5 })
    assert.deepEqual(
      listed.items.map((n) => n.title),
      ['two', 'one'],
    )
    // A later page is fetched plainly: it carries no tag to keep.
    const cursor = (await client.notifications.list({ limit: 1 })).nextCursor
    assert.ok(cursor)
    for (let i = 0; i < 2; i++) {
      assert.equal((await client.notifications.list({ limit: 1, cursor })).items[0]?.title, 'one')
      assert.equal(rec.calls.at(-1)?.ifNoneMatch, null)
      assert.equal(rec.calls.at(-1)?.status, 200)
    }
  })

  test('an action in between moves the counts the client answers', async () => {
    const { server, client } = await world.tenant('bob')
    const sent = await server.send({ to: { users: ['bob'] }, type: 'comment', title: 'one' })
    const id = sent.notifications?.[0]?.id
    assert.ok(id)
    assert.equal((await client.counts()).counts.unread, 1)
    await client.notifications.read(id)
    assert.equal((await client.counts()).counts.unread, 0)
    await client.notifications.unread(id)
    assert.equal((await client.counts()).counts.unread, 1)
  })
})
