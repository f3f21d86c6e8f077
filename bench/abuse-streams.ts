// Many open streams, in their own process: one per token, of which the first `stalled` never
// read a byte after the response's head (their sockets pause, so the server's writes back up).
// Prints "open" once every stream has answered. On "report" from stdin the stalled ones start
// reading, so that those the server dropped see their end; a moment later it prints what each
// kind received as JSON. Argument: a StreamsSpec JSON file.
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:http'

export interface StreamsSpec {
  url: string
  tokens: string[]
  stalled: number
}

export interface StreamsReport {
  opened: number
  refused: number
  readers: { count: number; bytes: number; closedByServer: number }
  stalled: { count: number; closedByServer: number }
}

const spec = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as StreamsSpec
const base = new URL(spec.url)
const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY })
const report: StreamsReport = {
  opened: 0,
  refused: 0,
  readers: { count: 0, bytes: 0, closedByServer: 0 },
  stalled: { count: 0, closedByServer: 0 },
}
const closers: Array<() => void> = []
const stalledOnes: Array<import('node:http').IncomingMessage> = []

function open(token: string, stall: boolean): Promise<void> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path: `/v1/me/stream?access_token=${encodeURIComponent(token)}`,
        agent,
      },
      (res) => {
        if (res.statusCode !== 200) {
          report.refused++
          res.resume()
          resolve()
          return
        }
        report.opened++
        const kind = stall ? report.stalled : report.readers
        kind.count++
        let closing = false
        closers.push(() => {
          closing = true
          req.destroy()
        })
        res.socket.on('close', () => {
          if (!closing) kind.closedByServer++
        })
        if (stall) {
          res.pause()
          stalledOnes.push(res)
        } else res.on('data', (c: Buffer) => (report.readers.bytes += c.length))
        resolve()
      },
    )
    req.on('error', () => {})
    req.end()
  })
}

await Promise.all(spec.tokens.map((t, i) => open(t, i < spec.stalled)))
process.stdout.write('open\n')
process.stdin.on('data', (chunk: Buffer) => {
  if (!chunk.toString('utf8').includes('report')) return
  for (const res of stalledOnes) res.resume()
  // What the kernel held for them (a few MiB each) is read before their end arrives.
  const from = Date.now()
  const wait = setInterval(() => {
    if (report.stalled.closedByServer < report.stalled.count && Date.now() - from < 10_000) return
    clearInterval(wait)
    finish()
  }, 100)
})

function finish() {
  process.stdout.write(`${JSON.stringify(report)}\n`)
  for (const close of closers) close()
  agent.destroy()
  process.exit(0)
}
