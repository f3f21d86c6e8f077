// Another tenant's ordinary requests, in their own process: `connections` loops, each sending one
// request after the other, until a line "stop" arrives on stdin. Prints "ready" once the first
// answer came back, then at the end every sample as JSON: [start (epoch ms), latency ms, status].
// Argument: a ProbeSpec JSON file.
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:http'

export interface ProbeSpec {
  url: string
  connections: number
  requests: Array<{ path: string; token: string }>
}

const spec = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as ProbeSpec
const base = new URL(spec.url)
const agent = new Agent({ keepAlive: true, maxSockets: spec.connections })
const samples: Array<[number, number, number]> = []
let stopping = false
let ready = false

process.stdin.on('data', (chunk: Buffer) => {
  if (chunk.toString('utf8').includes('stop')) stopping = true
})

function once(path: string, token: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path,
        headers: { authorization: `Bearer ${token}` },
        agent,
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', () => resolve(0))
    req.end()
  })
}

async function loop() {
  while (!stopping) {
    const r = spec.requests[Math.floor(Math.random() * spec.requests.length)]
    if (!r) return
    const t0 = performance.now()
    const status = await once(r.path, r.token)
    samples.push([performance.timeOrigin + t0, performance.now() - t0, status])
    if (!ready) {
      ready = true
      process.stdout.write('ready\n')
    }
  }
}

await Promise.all(Array.from({ length: spec.connections }, loop))
agent.destroy()
process.stdout.write(`${JSON.stringify(samples)}\n`)
// Nothing more to hear: stdin's listener would keep this process (and the bench) alive.
process.stdin.pause()
