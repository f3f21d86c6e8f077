import assert from 'node:assert/strict'
import { test } from 'node:test'
import { readEvents, type SseEvent } from '../../packages/client/src/sse.ts'

/** A body delivered in exactly these chunks. */
const body = (chunks: string[]) => {
  const bytes = chunks.map((c) => new TextEncoder().encode(c))
  return new ReadableStream<Uint8Array>({
    pull(c) {
      const next = bytes.shift()
      if (next) c.enqueue(next)
      else c.close()
    },
  })
}

const parse = async (chunks: string[]) => {
  const events: SseEvent[] = []
  const retries: number[] = []
  await readEvents(
    body(chunks),
    (e) => events.push(e),
    (ms) => retries.push(ms),
  )
  return { events, retries }
}

test('SSE: fields, ids, comments, retry, and events split anywhere across chunks', async () => {
  const text =
    'retry: 3000\n\n: keep-alive\n\nid: 7\nevent: counts\ndata: {"unread":1}\n\n' +
    'event: notification.created\ndata: {"a":\ndata: 1}\nid: 8\n\ndata:plain\n\n'
  const whole = await parse([text])
  assert.deepEqual(whole.retries, [3000])
  assert.deepEqual(whole.events, [
    { event: 'counts', data: '{"unread":1}', id: '7' },
    { event: 'notification.created', data: '{"a":\n1}', id: '8' },
    { event: 'message', data: 'plain', id: undefined },
  ])
  // Every split point, including inside a multi-byte character and between \r and \n.
  const crlf = `${text.replaceAll('\n', '\r\n')}data: é\r\n\r\n`
  const bytes = new TextEncoder().encode(crlf)
  for (let at = 1; at < bytes.length; at += 7) {
    const parts = [bytes.slice(0, at), bytes.slice(at)]
    const events: SseEvent[] = []
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        const next = parts.shift()
        if (next) c.enqueue(next)
        else c.close()
      },
    })
    await readEvents(stream, (e) => events.push(e))
    assert.deepEqual(
      events.map((e) => e.data),
      ['{"unread":1}', '{"a":\n1}', 'plain', 'é'],
      `split at ${at}`,
    )
  }
})

test('SSE: an event the stream ended in the middle of is not dispatched', async () => {
  const { events } = await parse(['event: counts\ndata: {"unread":1}\n\nevent: counts\ndata: {'])
  assert.equal(events.length, 1)
})
