import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { MessageContent } from '../../src/core/store.ts'
import { contentCache } from '../../src/http/native/stream-content.ts'
import { describeEngines, send } from '../support/harness.ts'
import { streamClient } from '../support/sse.ts'

// A send to many users wakes each of their streams, and each used to read the message's data
// from the store, parse it and serialise it again (issue 9: with 400 kB of data to 100 streams,
// most of the server's heap during a flood). The message's `data` and `actions` are now read and
// serialised once per message and written by every stream as the same bytes.

describeEngines('stream: a message shared by its recipients is read once', (get) => {
  const client = streamClient(() => get().app)

  test("every recipient's stream gets the notification as the list renders it; its content is read once", async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    const users = Array.from({ length: 5 }, (_, i) => `shared-${i}`)
    const tokens = await Promise.all(users.map((user) => h.token({ tenant: t, user })))
    const streams = await Promise.all(tokens.map((token) => client.open(token)))
    for (const s of streams) assert.equal((await s.next()).event, 'counts')
    const inbox = h.core.inbox
    const read = inbox.messageContent
    const asked: number[][] = []
    inbox.messageContent = (tenantId, ids) => {
      asked.push(ids)
      return read(tenantId, ids)
    }
    try {
      const data = { blob: 'é'.repeat(50_000), n: 1.5, nested: { ok: true } }
      const actions = [{ label: 'Open', url: 'https://example.com/x', style: 'primary' }]
      const res = await send(h, key, { to: { users }, type: 'comment', title: 'Hi', data, actions })
      assert.equal(res.status, 201)
      for (const [i, s] of streams.entries()) {
        const e = await s.next()
        assert.equal(e.event, 'notification.created')
        const listed = await h.app.inject({
          url: '/v1/me/notifications',
          headers: { authorization: `Bearer ${tokens[i]}` },
        })
        assert.deepEqual(e.data, listed.json().items[0])
        assert.deepEqual(e.data.data, data)
        assert.deepEqual(e.data.actions, actions)
      }
      assert.equal(asked.flat().length, 1, `message content read ${JSON.stringify(asked)}`)
    } finally {
      inbox.messageContent = read
    }
  })
})

const content = (i: number): MessageContent => ({ data: `{"i": ${i}}`, actions: '[]' })

test('the content cache reads a message once for concurrent streams and hands out one Buffer', async () => {
  let reads = 0
  const cache = contentCache(1024, async (_t, ids) => {
    reads++
    await new Promise((r) => setTimeout(r, 10))
    return new Map(ids.map((id) => [id, content(id)]))
  })
  const got = await Promise.all(Array.from({ length: 20 }, () => cache.get('t', [1, 2])))
  assert.equal(reads, 1)
  const first = got[0]?.get(1)
  assert.equal(first?.toString(), '"data":{"i": 1},"actions":[]')
  for (const m of got) assert.equal(m.get(1), first, 'the same Buffer for every stream')
  // Kept afterwards, and a message gone from the store renders as empty content.
  await cache.get('t', [1])
  assert.equal(reads, 1)
  const gone = contentCache(1024, async () => new Map())
  assert.equal((await gone.get('t', [9])).get(9)?.toString(), '"data":null,"actions":[]')
})

test('the content cache keeps at most its bound, the least recently used going first', async () => {
  const asked: number[] = []
  const cache = contentCache(60, async (_t, ids) => {
    asked.push(...ids)
    return new Map(ids.map((id) => [id, content(id)]))
  })
  // Each entry is 28 bytes: two fit in 60.
  await cache.get('t', [1])
  await cache.get('t', [2])
  await cache.get('t', [1])
  await cache.get('t', [3])
  assert.ok(cache.bytes() <= 60)
  await cache.get('t', [1])
  await cache.get('t', [2])
  assert.deepEqual(asked, [1, 2, 3, 2])
})
