/** One Server-Sent Event: its type ('message' when unnamed), its data, and its id when it had one. */
export interface SseEvent {
  event: string
  data: string
  id?: string
}

/**
 * Reads a text/event-stream body to its end, calling `onEvent` for each event and `onRetry` for
 * each `retry:` field. Resolves when the server ends the stream; rejects when it breaks.
 */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (e: SseEvent) => void,
  onRetry?: (ms: number) => void,
): Promise<void> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let event = ''
  let data: string[] = []
  let id: string | undefined
  const line = (l: string) => {
    if (l === '') {
      if (data.length > 0) onEvent({ event: event || 'message', data: data.join('\n'), id })
      event = ''
      data = []
      id = undefined
      return
    }
    const colon = l.indexOf(':')
    if (colon === 0) return // a comment (heartbeat)
    const field = colon < 0 ? l : l.slice(0, colon)
    const value = colon < 0 ? '' : l.slice(colon + (l[colon + 1] === ' ' ? 2 : 1))
    if (field === 'event') event = value
    else if (field === 'data') data.push(value)
    else if (field === 'id' && !value.includes('\0')) id = value
    else if (field === 'retry' && /^\d+$/.test(value)) onRetry?.(Number(value))
  }
  try {
    for (;;) {
      const { done, value } = await reader.read()
      buffer += decoder.decode(value, { stream: !done })
      // A lone \r at the end may be the first half of \r\n: it waits for the next chunk.
      const parts = buffer.split(/\r\n|\r(?!$)|\n/)
      buffer = parts.pop() ?? ''
      for (const l of parts) line(l)
      if (done) return
    }
  } finally {
    reader.releaseLock()
  }
}
