import assert from 'node:assert/strict'
import http from 'node:http'
import { after, before } from 'node:test'

export interface SseEvent {
  id?: string
  event: string
  data: Record<string, unknown>
}

/** Opens a stream over plain HTTP and stops reading it after its head: a reader that stalls. */
export const paused = (base: string, token: string) =>
  new Promise<http.IncomingMessage>((resolve, reject) => {
    http
      .get(`${base}/v1/me/stream?access_token=${token}`, (res) => {
        res.pause()
        resolve(res)
      })
      .on('error', reject)
  })

/** Reads Server-Sent Events from a live response, one at a time. */
export function reader(res: Response) {
  const stream = res.body?.getReader()
  assert.ok(stream)
  const decoder = new TextDecoder()
  let buffer = ''
  return async function next(): Promise<SseEvent> {
    for (;;) {
      const end = buffer.indexOf('\n\n')
      if (end >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const fields = Object.fromEntries(
          block
            .split('\n')
            .filter((l) => !l.startsWith(':') && l.includes(': '))
            .map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]),
        )
        if (!fields.event) continue
        return { id: fields.id, event: fields.event, data: JSON.parse(fields.data ?? 'null') }
      }
      const chunk = await stream.read()
      if (chunk.done) throw new Error('stream ended')
      buffer += decoder.decode(chunk.value, { stream: true })
    }
  }
}

/**
 * A suite's stream client: listens on the suite's Herald once, opens `/v1/me/stream` for a token
 * (with extra headers such as Last-Event-ID), and aborts every stream it opened when the suite
 * ends. Call it at the top of a `describeEngines` body.
 */
export function streamClient(
  app: () => { listen(o: { host: string; port: number }): Promise<string> },
) {
  let base = ''
  const controllers: AbortController[] = []
  before(async () => {
    base = await app().listen({ host: '127.0.0.1', port: 0 })
  })
  after(() => {
    for (const c of controllers) c.abort()
  })
  return {
    url: () => base,
    async open(token: string, headers: Record<string, string> = {}) {
      const c = new AbortController()
      controllers.push(c)
      const res = await fetch(`${base}/v1/me/stream?access_token=${token}`, {
        headers,
        signal: c.signal,
      })
      assert.equal(res.status, 200)
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/)
      return { next: reader(res), close: () => c.abort(), headers: res.headers }
    },
  }
}
