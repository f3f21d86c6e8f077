import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { test } from 'node:test'
import { startHerald } from '../support/harness.ts'
import { within } from '../support/load.ts'

/** A raw keep-alive connection, so the test decides when each byte of a request arrives. */
async function rawConnection(port: number) {
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  let text = ''
  socket.setEncoding('utf8').on('data', (d: string) => {
    text += d
  })
  return { socket, text: () => text }
}

test('a request arriving on a keep-alive connection during the drain: 503 in its surface shape, before any work', async (t) => {
  const h = await startHerald('pglite')
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' })
  let serverSide: Socket | undefined
  h.app.server.once('connection', (s: Socket) => {
    serverSide = s
  })
  const c = await rawConnection(Number(new URL(address).port))
  c.socket.write('GET /healthz HTTP/1.1\r\nHost: herald\r\n\r\n')
  await within(2_000, 'first answer', async () => c.text().includes('{"status":"ok"}'))
  assert.match(c.text(), /keep-alive/i, 'the connection stays open')

  // The next request has begun arriving (so the connection is not idle) when the stop begins.
  const read = serverSide?.bytesRead ?? 0
  c.socket.write('GET /compat/mantle2/v2/users/current/notifications HTTP/1.1\r\nHost: herald\r\n')
  await within(2_000, 'partial request read', async () => (serverSide?.bytesRead ?? 0) > read)
  const startedAt = Date.now()
  const closing = h.close()
  await within(2_000, 'drain started', async () => !h.app.server.listening)
  c.socket.write('Authorization: Bearer not-even-checked\r\n\r\n')
  await once(c.socket, 'close')
  await closing
  const second = c.text().slice(c.text().indexOf('{"status":"ok"}') + 15)
  t.diagnostic(
    `keep-alive request during the drain: ${second.split('\r\n')[0]}; stop took ${Date.now() - startedAt} ms`,
  )
  assert.match(second, /^HTTP\/1\.1 503 /)
  assert.match(second, /\r\nconnection: close\r\n/i)
  assert.match(second, /\r\nretry-after: 1\r\n/i)
  // Mantle2's own 5xx shape, and no authentication attempted (the credential is garbage).
  assert.ok(second.endsWith('{"message":"Service Unavailable","code":503}'), second)
})
