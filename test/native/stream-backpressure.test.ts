import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines, send } from '../support/harness.ts'
import { paused, streamClient } from '../support/sse.ts'

// Issue 9: a stream whose socket asked to wait (a write returned false) writes nothing more until
// it drains, so it holds one event at most, however large HERALD_STREAM_BUFFER_BYTES is; a
// consumer that does not read within the stall bound is dropped. The server used to go on
// writing until the bound was full: ten of these events per stalled reader at this bound.

const BUFFER = 1_048_576
const STALLED = 3
const SENDS = 70
const BLOB = 'z'.repeat(100_000)

interface Dropped {
  buffered: number
}

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

describeEngines(
  'stream bounds: a back-pressured stream holds one event',
  (get) => {
    const client = streamClient(() => get().app)

    test('a stalled reader is dropped holding no more than the event that filled its socket', {
      timeout: 120_000,
    }, async () => {
      const h = get()
      const t = h.tenant()
      const key = await h.apiKey(t)
      const users = Array.from({ length: STALLED }, (_, i) => `held-${i}`)
      const stalled = await Promise.all(
        users.map(async (user) => paused(client.url(), await h.token({ tenant: t, user }))),
      )
      dropped.length = 0
      const all = new Promise<void>((resolve) => {
        waiter = { n: STALLED, resolve }
      })
      // 7 MB to each: past what the kernel holds for a paused socket (a few MiB).
      for (let i = 0; i < SENDS; i++) {
        const res = await send(h, key, {
          to: { users },
          type: 'bulk',
          title: `b${i}`,
          data: { blob: BLOB },
        })
        assert.ok(res.status < 300, String(res.status))
      }
      await all
      const frame = Math.ceil(BLOB.length * 1.1)
      assert.equal(dropped.length, STALLED)
      for (const d of dropped) {
        assert.ok(d.buffered <= frame, `held ${d.buffered} bytes for a stalled reader`)
      }
      for (const s of stalled) s.destroy()
    })
  },
  {
    env: {
      HERALD_STREAM_BUFFER_BYTES: String(BUFFER),
      HERALD_STREAM_STALL_MS: '300',
      LOG_LEVEL: 'info',
    },
    logger: logs,
  },
)
