import assert from 'node:assert/strict'
import type http from 'node:http'
import { test } from 'node:test'
import { describeEngines, send } from '../support/harness.ts'
import { paused, streamClient } from '../support/sse.ts'

// A flood of large notifications to streams that never read (issue 9): each must be dropped with
// no more than its bound (and the frame that crossed it) held for it, and each row its catch-ups
// read from the store must be one they wrote, but for a first page. A page of ten read again on
// every wake-up, nine of them let go at the full buffer, was most of what a flood cost the
// server (its memory and the store reads every other stream waits for) and put off the drops.

const BUFFER = 65_536
const STALLED = 6
const SENDS = 60
const BLOB = 'z'.repeat(100_000)
/** What a catch-up reads before it knows the size of this stream's notifications. */
const FIRST_PAGE = 10

interface Dropped {
  buffered: number
  rowsRead: number
  rowsWritten: number
}

/** The suite's log, and the "stream dropped" lines in it as they come. */
const dropped: Dropped[] = []
let waiter: { n: number; resolve: () => void } | null = null
const logs = {
  write(line: string) {
    const entry = JSON.parse(line) as Dropped & { msg?: string }
    if (!entry.msg?.startsWith('stream dropped')) return
    dropped.push(entry)
    if (waiter && dropped.length >= waiter.n) waiter.resolve()
  },
}
const drops = (n: number) =>
  new Promise<void>((resolve) => {
    waiter = { n, resolve }
    if (dropped.length >= n) resolve()
  })

/** Reads what is left of a paused stream until its end: how many notifications it carried. */
const rest = (res: http.IncomingMessage) =>
  new Promise<number>((resolve) => {
    const needle = 'event: notification.created'
    let created = 0
    // Shorter than the needle: a match across two chunks is counted once, in the second.
    let tail = ''
    res.setEncoding('utf8')
    res.on('data', (chunk: string) => {
      const text = tail + chunk
      created += text.split(needle).length - 1
      tail = text.slice(-(needle.length - 1))
    })
    const end = () => resolve(created)
    res.on('end', end)
    res.on('error', end)
    res.on('close', end)
    res.resume()
  })

describeEngines(
  'stream bounds: a flood of large notifications to streams that never read',
  (get) => {
    const client = streamClient(() => get().app)

    // Bounded: a stream that is never dropped would keep the test waiting for its log line.
    test('every stalled stream is dropped holding one frame past its bound, each row read once', {
      timeout: 120_000,
    }, async () => {
      const h = get()
      const t = h.tenant()
      const key = await h.apiKey(t)
      const users = Array.from({ length: STALLED }, (_, i) => `flooded-${i}`)
      const stalled = await Promise.all(
        users.map(async (user) => paused(client.url(), await h.token({ tenant: t, user }))),
      )
      const reader = await client.open(await h.token({ tenant: t, user: 'reads' }))
      assert.equal((await reader.next()).event, 'counts')
      // It reads as the notifications come, all the while.
      const read = (async () => {
        const titles: unknown[] = []
        while (titles.length < SENDS) {
          const e = await reader.next()
          if (e.event === 'notification.created') titles.push(e.data.title)
        }
        return titles
      })()
      dropped.length = 0
      // 6 MB to each: past the bound and what the kernel holds for a paused socket (a few MiB).
      for (let i = 0; i < SENDS; i++) {
        const res = await send(h, key, {
          to: { users: [...users, 'reads'] },
          type: 'bulk',
          title: `f${i}`,
          data: { blob: BLOB },
        })
        assert.ok(res.status < 300, String(res.status))
      }
      await drops(STALLED)
      // Every notification reached the one that reads, in order: a flood to others costs it nothing.
      assert.deepEqual(
        await read,
        Array.from({ length: SENDS }, (_, i) => `f${i}`),
      )
      const frame = Math.ceil(BLOB.length * 1.1)
      for (const d of dropped) {
        assert.ok(d.buffered <= BUFFER + frame, `held ${d.buffered} bytes for a stalled reader`)
        assert.ok(d.rowsWritten < SENDS, `wrote ${d.rowsWritten} rows`)
        assert.ok(
          d.rowsRead - d.rowsWritten <= FIRST_PAGE,
          `read ${d.rowsRead} rows from the store to write ${d.rowsWritten}`,
        )
      }
      // Each stalled client sees its end once it reads what the kernel held for it.
      const carried = await Promise.all(stalled.map(rest))
      for (const n of carried) assert.ok(n < SENDS, `a dropped stream carried ${n}`)
    })
  },
  {
    env: {
      HERALD_STREAM_BUFFER_BYTES: String(BUFFER),
      HERALD_STREAM_STALL_MS: '300',
      HERALD_STREAM_READS: '2',
      LOG_LEVEL: 'info',
    },
    logger: logs,
  },
)
