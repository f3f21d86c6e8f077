import { once } from 'node:events'
import { createConnection, createServer, type Socket } from 'node:net'

/**
 * A TCP proxy in front of the shared PostgreSQL, so a test can play a restart, a stop or a frozen
 * server without touching the real one (which every other suite uses).
 */
export interface TcpProxy {
  port: number
  /** The connection URL `url` with its address replaced by the proxy's. */
  through(url: string): string
  /** Drops every open connection, as a restart does. */
  cut(): void
  /** Stops listening (new connections are refused, as with a stopped server) and cuts. */
  refuse(): Promise<void>
  /** Listens again on the same port. */
  accept(): Promise<void>
  /** Keeps every socket open but forwards nothing, in either direction, on old or new ones. */
  freeze(): void
  /** Ends a freeze: the held connections are cut and new ones are forwarded again. */
  thaw(): void
  close(): Promise<void>
}

export async function startTcpProxy(targetPort = 5432): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let frozen = false
  const track = (s: Socket) => {
    sockets.add(s)
    s.on('error', () => {})
    s.once('close', () => sockets.delete(s))
  }
  const server = createServer((client) => {
    track(client)
    if (frozen) return
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort })
    track(upstream)
    client.on('data', (d) => frozen || upstream.write(d))
    upstream.on('data', (d) => frozen || client.write(d))
    client.once('close', () => upstream.destroy())
    upstream.once('close', () => client.destroy())
  })
  const listen = async (port: number) => {
    server.listen(port, '127.0.0.1')
    await once(server, 'listening')
  }
  await listen(0)
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('proxy has no port')
  const { port } = address
  const cut = () => {
    for (const s of sockets) s.destroy()
  }
  return {
    port,
    through: (url) => {
      const u = new URL(url)
      u.host = `127.0.0.1:${port}`
      return u.toString()
    },
    cut,
    async refuse() {
      const closed = new Promise((resolve) => server.close(resolve))
      cut()
      await closed
    },
    accept: () => listen(port),
    freeze: () => {
      frozen = true
    },
    thaw: () => {
      frozen = false
      cut()
    },
    async close() {
      cut()
      if (server.listening) await new Promise((resolve) => server.close(resolve))
    },
  }
}
