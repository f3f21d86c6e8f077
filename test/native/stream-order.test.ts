import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines, send, type TestHerald } from '../support/harness.ts'
import { type SseEvent, streamClient } from '../support/sse.ts'

const SENDERS = 20
const EACH = 100
const TOTAL = SENDERS * EACH

describeEngines('stream: every notification once, in commit order', (get) => {
  const client = streamClient(() => get().app)
  const open = (token: string, lastEventId?: string) =>
    client.open(token, lastEventId ? { 'last-event-id': lastEventId } : {})

  /** The next notification.created event, skipping counts and hints. */
  const nextCreated = async (next: () => Promise<SseEvent>) => {
    for (;;) {
      const e = await next()
      if (e.event === 'reset') throw new Error(`unexpected reset: ${JSON.stringify(e.data)}`)
      if (e.event === 'notification.created') return e
    }
  }

  /** SENDERS concurrent producers, EACH sends apiece, each with a unique title. */
  const sendAll = (h: TestHerald, key: string, user: string) =>
    Promise.all(
      Array.from({ length: SENDERS }, async (_, s) => {
        for (let i = 0; i < EACH; i++) {
          const r = await send(h, key, { to: { users: [user] }, type: 'load', title: `${s}-${i}` })
          assert.equal(r.status, 201)
        }
      }),
    )

  test(`${TOTAL} sends from ${SENDERS} concurrent senders, a reconnect racing them: all once, in order`, async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    const token = await h.token({ tenant: t, user: 'busy' })
    const first = await open(token)
    const sending = sendAll(h, key, 'busy')
    const received: SseEvent[] = []
    while (received.length < TOTAL / 2) received.push(await nextCreated(first.next))
    // Drop the connection mid-load and come back from the last id, while the senders go on.
    first.close()
    const lastId = received.at(-1)?.id
    assert.ok(lastId)
    const second = await open(token, lastId)
    while (received.length < TOTAL) received.push(await nextCreated(second.next))
    await sending
    const titles = received.map((e) => String(e.data.title))
    assert.equal(new Set(titles).size, TOTAL, 'no notification twice')
    const ids = received.map((e) => Number(e.id))
    for (let i = 1; i < ids.length; i++) {
      assert.ok(
        (ids[i] ?? 0) > (ids[i - 1] ?? 0),
        `event ids increase: ${ids[i - 1]} then ${ids[i]}`,
      )
    }
    // Each sender's own sends arrive in the order it made them (commit order).
    for (let s = 0; s < SENDERS; s++) {
      const mine = titles.filter((x) => x.startsWith(`${s}-`)).map((x) => Number(x.split('-')[1]))
      assert.deepEqual(
        mine,
        [...mine].sort((a, b) => a - b),
        `sender ${s} in order`,
      )
    }
    second.close()
  })

  test('every recipient of a 1,000-recipient send with an open stream receives it', async () => {
    const h = get()
    const t = h.tenant()
    const key = await h.apiKey(t)
    const users = Array.from({ length: 1000 }, (_, i) => `r${i}`)
    const listening = users.filter((_, i) => i % 10 === 0)
    const streams = await Promise.all(
      listening.map(async (u) => open(await h.token({ tenant: t, user: u }))),
    )
    const r = await send(h, key, { to: { users }, type: 'announcement', title: 'To everyone' })
    assert.equal(r.status, 201)
    assert.equal(r.json.recipients, 1000)
    const got = await Promise.all(streams.map((s) => nextCreated(s.next)))
    assert.equal(got.length, listening.length)
    for (const e of got) assert.equal(e.data.title, 'To everyone')
    for (const s of streams) s.close()
  })
})
