import assert from 'node:assert/strict'
import { test } from 'node:test'
import { clientWorld, recorder } from '../support/client.ts'
import { describeEngines } from '../support/harness.ts'

const fast = { retryMs: 10, maxRetryMs: 50 }

/** A fetch whose requests to the stream wait at a gate the test opens, recording their headers. */
function gatedStream() {
  const requests: Headers[] = []
  let arrived: (() => void) | null = null
  let open: () => void = () => {}
  let gate: Promise<void> | null = null
  const impl: typeof fetch = async (input, init) => {
    if (String(input).includes('/v1/me/stream')) {
      requests.push(new Headers(init?.headers))
      arrived?.()
      if (gate) await gate
    }
    return fetch(input, init)
  }
  return {
    fetch: impl,
    requests,
    /** Holds the next stream requests until `release` is called; resolves when one arrives. */
    hold() {
      gate = new Promise((r) => {
        open = r
      })
      return new Promise<void>((r) => {
        arrived = r
      })
    },
    release() {
      arrived = null
      gate = null
      open()
    },
  }
}

describeEngines(
  '@herald/client: the live subscription',
  (get) => {
    const world = clientWorld(get)

    test('a notification sent by the producer arrives live, with the counts', {
      timeout: 20_000,
    }, async () => {
      const { server, client } = await world.tenant()
      const r = recorder()
      const sub = client.subscribe(r.handlers, fast)
      try {
        assert.equal(await r.next('status'), 'connecting')
        assert.equal(await r.next('status'), 'live')
        const initial = await r.next('counts')
        assert.deepEqual([initial.unread, initial.unseen], [0, 0])
        assert.equal(initial.total, undefined)
        const sent = await server.send({ to: { users: ['alice'] }, type: 'comment', title: 'Live' })
        const n = await r.next('notification')
        assert.equal(n.title, 'Live')
        assert.equal(n.id, sent.notifications?.[0]?.id)
        const after = await r.next('counts', (c) => c.unread === 1)
        assert.deepEqual(after.capped, { unread: false, unseen: false })
        assert.match(sub.lastEventId ?? '', /^\d+$/)

        await client.notifications.read(n.id)
        assert.deepEqual(await r.next('changed'), { type: 'notifications.changed', ids: [n.id] })
        assert.equal((await r.next('counts')).unread, 0)
        await client.notifications.delete(n.id)
        assert.deepEqual(await r.next('changed'), { type: 'notifications.deleted', ids: [n.id] })
      } finally {
        sub.close()
      }
    })

    test('after a drop, the reconnect sends Last-Event-ID and replays what was missed', {
      timeout: 20_000,
    }, async () => {
      const h = get()
      const gated = gatedStream()
      const { server, client } = await world.tenant('alice', gated.fetch)
      const r = recorder()
      const sub = client.subscribe(r.handlers, fast)
      try {
        await r.next('status', (s) => s === 'live')
        await server.send({ to: { users: ['alice'] }, type: 'comment', title: 'one' })
        assert.equal((await r.next('notification')).title, 'one')
        await r.next('counts', (c) => c.unread === 1)
        const mark = sub.lastEventId
        assert.ok(mark)

        // The server cuts every connection; the client's next attempt waits at the gate while
        // two notifications are sent, so it can only get them by replay.
        const reconnecting = gated.hold()
        h.app.server.closeAllConnections()
        await reconnecting
        await server.send({ to: { users: ['alice'] }, type: 'comment', title: 'two' })
        await server.send({ to: { users: ['alice'] }, type: 'comment', title: 'three' })
        gated.release()
        assert.equal(gated.requests.at(-1)?.get('last-event-id'), mark)
        assert.equal(await r.next('status', (s) => s === 'live'), 'live')
        // The stream opens with the counts as they are now, then replays.
        assert.equal((await r.next('counts')).unread, 3)
        assert.equal((await r.next('notification')).title, 'two')
        assert.equal((await r.next('notification')).title, 'three')
        assert.deepEqual(
          r.seen
            .filter((e) => e.kind === 'notification')
            .map((e) => (e.value as { title: string }).title),
          ['one', 'two', 'three'],
          'each notification once',
        )
        assert.equal(
          r.seen.some((e) => e.kind === 'reset'),
          false,
        )
      } finally {
        sub.close()
      }
    })

    test('too much missed, or a mark the server never issued, is a reset', {
      timeout: 20_000,
    }, async () => {
      const h = get()
      const gated = gatedStream()
      const { server, client } = await world.tenant('alice', gated.fetch)
      const unknown = recorder()
      const first = client.subscribe(unknown.handlers, { ...fast, lastEventId: '999999999' })
      try {
        await unknown.next('reset')
        // The reset carries a fresh mark: the subscription resumes from now on.
        assert.notEqual(first.lastEventId, '999999999')
      } finally {
        first.close()
      }

      const r = recorder()
      const sub = client.subscribe(r.handlers, fast)
      try {
        await r.next('status', (s) => s === 'live')
        await r.next('counts')
        const reconnecting = gated.hold()
        h.app.server.closeAllConnections()
        await reconnecting
        // More than HERALD_STREAM_REPLAY_MAX (2) missed.
        for (const title of ['a', 'b', 'c']) {
          await server.send({ to: { users: ['alice'] }, type: 'comment', title })
        }
        gated.release()
        await r.next('reset')
        assert.equal((await r.next('counts')).unread, 3)
        assert.equal(r.seen.filter((e) => e.kind === 'notification').length, 0)
      } finally {
        sub.close()
      }
    })

    test('a stream that keeps failing falls back to polling counts, and comes back', {
      timeout: 20_000,
    }, async () => {
      let broken = true
      let streamAttempts = 0
      const failing: typeof fetch = async (input, init) => {
        if (String(input).includes('/v1/me/stream')) {
          streamAttempts++
          if (broken)
            return new Response('{"error":{"code":"UNAVAILABLE","message":"down"}}', {
              status: 503,
            })
        }
        return fetch(input, init)
      }
      const { server, client } = await world.tenant('alice', failing)
      const r = recorder()
      const errors: unknown[] = []
      const sub = client.subscribe(
        { ...r.handlers, error: (e) => errors.push(e) },
        { ...fast, pollIntervalMs: 40 },
      )
      try {
        assert.equal(await r.next('status', (s) => s !== 'connecting'), 'polling')
        assert.ok(streamAttempts >= 3)
        assert.equal((errors[0] as { status?: number }).status, 503)
        const polled = await r.next('counts')
        assert.deepEqual([polled.total, polled.unread], [0, 0])
        await server.send({ to: { users: ['alice'] }, type: 'comment', title: 'while polling' })
        // The counts moved: the list may have, so the client is told to refetch.
        await r.next('counts', (c) => c.unread === 1)
        assert.deepEqual(await r.next('changed'), { type: 'notifications.changed', ids: null })

        broken = false
        assert.equal(await r.next('status'), 'live')
        await server.send({ to: { users: ['alice'] }, type: 'comment', title: 'live again' })
        assert.equal((await r.next('notification')).title, 'live again')
      } finally {
        sub.close()
      }
    })

    test('close() releases the stream and does not reconnect', { timeout: 20_000 }, async () => {
      const h = get()
      const signals: AbortSignal[] = []
      const watching: typeof fetch = (input, init) => {
        if (String(input).includes('/v1/me/stream') && init?.signal) signals.push(init.signal)
        return fetch(input, init)
      }
      const { client } = await world.tenant('alice', watching)
      const closing = recorder()
      const closed = client.subscribe(closing.handlers, fast)
      const staying = recorder()
      const other = client.subscribe(staying.handlers, fast)
      try {
        await closing.next('status', (s) => s === 'live')
        await staying.next('status', (s) => s === 'live')
        closed.close()
        const first = signals[0]
        assert.ok(first)
        assert.equal(first.aborted, true)
        // A drop of every connection: the open subscription comes back; the closed one, which
        // would have retried as soon, stays silent.
        const before = closing.seen.length
        h.app.server.closeAllConnections()
        await staying.next('status', (s) => s === 'connecting')
        await staying.next('status', (s) => s === 'live')
        assert.equal(closing.seen.length, before)
        assert.equal(signals.length, 3)
      } finally {
        other.close()
      }
    })

    test('offline while the browser says so; back live on its online event', {
      timeout: 20_000,
    }, async () => {
      // What a browser's window gives the client: navigator.onLine and the online/offline events.
      const events = new EventTarget()
      const browser = {
        navigator: { onLine: true },
        addEventListener: events.addEventListener.bind(events),
        removeEventListener: events.removeEventListener.bind(events),
      }
      Object.assign(globalThis, browser)
      const { server, client } = await world.tenant()
      const r = recorder()
      const sub = client.subscribe(r.handlers, fast)
      try {
        await r.next('status', (s) => s === 'live')
        await r.next('counts') // the stream's first event carries its mark
        browser.navigator.onLine = false
        events.dispatchEvent(new Event('offline'))
        assert.equal(await r.next('status'), 'offline')
        await server.send({ to: { users: ['alice'] }, type: 'comment', title: 'while offline' })
        browser.navigator.onLine = true
        events.dispatchEvent(new Event('online'))
        assert.equal(await r.next('status'), 'connecting')
        assert.equal(await r.next('status'), 'live')
        // Missed while offline, replayed on the way back.
        assert.equal((await r.next('notification')).title, 'while offline')
      } finally {
        sub.close()
        for (const k of Object.keys(browser)) delete (globalThis as Record<string, unknown>)[k]
      }
    })
  },
  { env: { HERALD_STREAM_REPLAY_MAX: '2' } },
)
