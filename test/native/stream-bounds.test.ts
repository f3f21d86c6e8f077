import assert from 'node:assert/strict'
import http from 'node:http'
import { test } from 'node:test'
import { gate } from '../../src/http/native/routes/stream.ts'
import { describeEngines, send } from '../support/harness.ts'
import { streamClient } from '../support/sse.ts'

describeEngines(
  'stream bounds: per user, replay',
  (get) => {
    const client = streamClient(() => get().app)

    // Bounded: before the bound existed, the oldest stream never ended.
    const bounded = { timeout: 30_000 }

    test(
      "a user's stream past the per-user bound closes their oldest with a retry hint",
      bounded,
      async () => {
        const h = get()
        const t = h.tenant()
        const key = await h.apiKey(t)
        const token = await h.token({ tenant: t, user: 'ann' })
        const oldest = await fetch(`${client.url()}/v1/me/stream?access_token=${token}`)
        assert.equal(oldest.status, 200)
        const second = await client.open(token)
        // Another user (same id, another tenant) has bounds of their own.
        const elsewhere = await client.open(await h.token({ tenant: h.tenant(), user: 'ann' }))
        const newest = await client.open(token)
        const text = await oldest.text()
        assert.match(text, /event: closed\ndata: \{"reason":"too-many-streams"\}/)
        assert.match(text, /retry: \d+\n\n$/)
        await send(h, key, { to: { users: ['ann'] }, type: 'comment', title: 'still live' })
        for (const s of [second, newest]) {
          assert.equal((await s.next()).event, 'counts')
          assert.equal((await s.next()).data.title, 'still live')
        }
        assert.equal((await elsewhere.next()).event, 'counts')
      },
    )

    test('more missed than HERALD_STREAM_REPLAY_MAX resets instead of replaying', async () => {
      const h = get()
      const t = h.tenant()
      const key = await h.apiKey(t)
      const token = await h.token({ tenant: t, user: 'bo' })
      const first = await client.open(token)
      await first.next()
      await send(h, key, { to: { users: ['bo'] }, type: 'comment', title: 'seen' })
      const seen = await first.next()
      first.close()
      for (const title of ['a', 'b', 'c'])
        await send(h, key, { to: { users: ['bo'] }, type: 'comment', title })
      const again = await client.open(token, { 'last-event-id': seen.id ?? '' })
      const reset = await again.next()
      assert.equal(reset.event, 'reset')
      assert.deepEqual(reset.data, { reason: 'too-many-missed' })
    })

    test('exactly HERALD_STREAM_REPLAY_MAX missed are replayed, in order, without a reset', async () => {
      const h = get()
      const t = h.tenant()
      const key = await h.apiKey(t)
      const token = await h.token({ tenant: t, user: 'cy' })
      const first = await client.open(token)
      await first.next()
      await send(h, key, { to: { users: ['cy'] }, type: 'comment', title: 'seen' })
      const seen = await first.next()
      first.close()
      for (const title of ['a', 'b'])
        await send(h, key, { to: { users: ['cy'] }, type: 'comment', title })
      const again = await client.open(token, { 'last-event-id': seen.id ?? '' })
      assert.equal((await again.next()).event, 'counts')
      const replayed = [await again.next(), await again.next()]
      assert.deepEqual(
        replayed.map((e) => [e.event, e.data.title]),
        [
          ['notification.created', 'a'],
          ['notification.created', 'b'],
        ],
      )
    })
  },
  { env: { HERALD_STREAM_MAX_PER_USER: '2', HERALD_STREAM_REPLAY_MAX: '2' } },
)

describeEngines(
  'stream bounds: per instance',
  (get) => {
    const client = streamClient(() => get().app)

    test('past HERALD_STREAM_MAX a new stream is refused with 503 in the native shape', async () => {
      const h = get()
      const t = h.tenant()
      await client.open(await h.token({ tenant: t, user: 'u1' }))
      await client.open(await h.token({ tenant: t, user: 'u2' }))
      const token = await h.token({ tenant: t, user: 'u3' })
      const res = await fetch(`${client.url()}/v1/me/stream?access_token=${token}`)
      assert.equal(res.status, 503)
      assert.ok(Number(res.headers.get('retry-after')) > 0)
      const body = (await res.json()) as { error: { code: string; message: string } }
      assert.equal(body.error.code, 'UNAVAILABLE')
      assert.match(body.error.message, /2 streams at most/)
    })
  },
  { env: { HERALD_STREAM_MAX: '2' } },
)

/** Opens a stream over plain HTTP and stops reading it at once. */
function pausedStream(base: string, token: string) {
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    http
      .get(`${base}/v1/me/stream?access_token=${token}`, (res) => {
        res.pause()
        resolve(res)
      })
      .on('error', reject)
  })
}

/** Reads what is left of a stream: the notifications it carried, and whether it ended. */
function readRest(res: http.IncomingMessage, expected: number) {
  return new Promise<{ created: number; ended: boolean; titles: string[] }>((resolve) => {
    let text = ''
    const count = () => text.split('event: notification.created').length - 1
    const titles = () => [...text.matchAll(/"title":"([^"]*)"/g)].map((m) => m[1] as string)
    res.setEncoding('utf8')
    res.on('data', (chunk: string) => {
      text += chunk
      // Everything arrived and the stream is still open: it was never dropped.
      if (count() >= expected) {
        // Resolved first: destroying it emits its end at once.
        resolve({ created: count(), ended: false, titles: titles() })
        res.destroy()
      }
    })
    const ended = () => resolve({ created: count(), ended: true, titles: titles() })
    res.on('end', ended)
    res.on('error', ended)
    res.on('aborted', ended)
    res.resume()
  })
}

describeEngines(
  'stream bounds: a consumer that stops reading',
  (get) => {
    const client = streamClient(() => get().app)

    test('is dropped once its buffered bytes pass HERALD_STREAM_BUFFER_BYTES', async () => {
      const h = get()
      const t = h.tenant()
      const key = await h.apiKey(t)
      const token = await h.token({ tenant: t, user: 'slow' })
      const res = await pausedStream(client.url(), token)
      // Far more than the kernel's socket buffers on both sides (a few MiB) plus the bound.
      const blob = 'x'.repeat(100_000)
      const sent = 120
      for (let i = 0; i < sent; i++)
        await send(h, key, {
          to: { users: ['slow'] },
          type: 'bulk',
          title: `n${i}`,
          data: { blob },
        })
      const rest = await readRest(res, sent)
      assert.equal(rest.ended, true, 'the stream should have been dropped')
      assert.ok(rest.created < sent)
    })

    test('a replay far larger than HERALD_STREAM_BUFFER_BYTES reaches a reader whole', async () => {
      const h = get()
      const t = h.tenant()
      const key = await h.apiKey(t)
      const token = await h.token({ tenant: t, user: 'late' })
      const first = await client.open(token)
      await first.next()
      await send(h, key, { to: { users: ['late'] }, type: 'bulk', title: 'mark' })
      const mark = await first.next()
      first.close()
      // 40 × 20 kB: twelve times the bound, written at the reader's pace instead of dropped.
      const blob = 'y'.repeat(20_000)
      const missed = 40
      for (let i = 0; i < missed; i++)
        await send(h, key, {
          to: { users: ['late'] },
          type: 'bulk',
          title: `m${i}`,
          data: { blob },
        })
      const res = await new Promise<http.IncomingMessage>((resolve, reject) =>
        http
          .get(
            `${client.url()}/v1/me/stream?access_token=${token}`,
            { headers: { 'last-event-id': mark.id ?? '' } },
            resolve,
          )
          .on('error', reject),
      )
      const rest = await readRest(res, missed)
      // The catch-up stops at a full buffer and reads the rest again: each once, in order.
      assert.deepEqual(rest, {
        created: missed,
        ended: false,
        titles: Array.from({ length: missed }, (_, i) => `m${i}`),
      })
    })
  },
  { env: { HERALD_STREAM_BUFFER_BYTES: '65536', HERALD_STREAM_STALL_MS: '300' } },
)

test('the stream read gate runs at most n tasks at once, the rest in order', async () => {
  const run = gate(2)
  let running = 0
  let most = 0
  const order: number[] = []
  const task = (i: number) =>
    run(async () => {
      running++
      most = Math.max(most, running)
      await new Promise((r) => setTimeout(r, 5))
      order.push(i)
      running--
      if (i === 3) throw new Error('a failed task frees its turn')
      return i
    })
  const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => task(i)))
  assert.equal(most, 2)
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7])
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 7)
})

describeEngines(
  'stream bounds: store reads through the gate',
  (get) => {
    const client = streamClient(() => get().app)

    test('a send to 30 streams reaches each once with one read at a time', async () => {
      const h = get()
      const t = h.tenant()
      const key = await h.apiKey(t)
      const users = Array.from({ length: 30 }, (_, i) => `g${i}`)
      const streams = await Promise.all(
        users.map(async (user) => client.open(await h.token({ tenant: t, user }))),
      )
      for (const s of streams) assert.equal((await s.next()).event, 'counts')
      await send(h, key, { to: { users }, type: 'comment', title: 'to all' })
      await send(h, key, { to: { users }, type: 'comment', title: 'again' })
      for (const s of streams) {
        const seen: string[] = []
        while (seen.length < 2) {
          const e = await s.next()
          if (e.event === 'notification.created') seen.push(String(e.data.title))
        }
        assert.deepEqual(seen, ['to all', 'again'])
        s.close()
      }
    })
  },
  { env: { HERALD_STREAM_READS: '1' } },
)
