import assert from 'node:assert/strict'

export interface SseEvent {
  id?: string
  event: string
  data: Record<string, unknown>
}

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
