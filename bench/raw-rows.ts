import { captureRequest, substitute } from './capture.ts'
import { drive, post } from './drive.ts'
import type { Fixtures } from './fixtures.ts'
import type { LoadRequest, LoadResult } from './load.ts'
import type { endpointRequests, Pace } from './phases.ts'
import type { RawRequest } from './raw.ts'
import { HEAVY_USER } from './seed.ts'
import { BENCH_SCHEMA, type BenchServer, PG_URL, RAW_APP } from './server.ts'

/** The endpoint rows that get a row of their own statements driven straight through `pg`. */
export const RAW_ROWS = ['unreadCount', 'firstPage', 'deepPage', 'markOneRead', 'sendOne'] as const
export type RawRowName = (typeof RAW_ROWS)[number]

export interface RawRowResult extends LoadResult {
  /** The statements of one captured request, as Herald sent them (one list per checkout). */
  statements: string[][]
}

/** One captured request per row, and the same statements for every request of the sample. */
async function rawRequests(
  s: BenchServer,
  f: Fixtures,
  mix: ReturnType<typeof endpointRequests>,
  name: RawRowName,
): Promise<{ captured: RawRequest; requests: RawRequest[] }> {
  if (name === 'deepPage') {
    const captured = await captureRequest(
      s.url,
      mix.deepPage[0] as LoadRequest,
      new Set([HEAVY_USER]),
    )
    return { captured, requests: [captured] }
  }
  if (name === 'markOneRead') {
    // The odd-numbered half: the HTTP row marks the even-numbered one (see endpointRequests).
    const [first, ...rest] = f.unread.filter((_, i) => i % 2 === 1)
    if (!first) throw new Error('no unread notifications to mark')
    const req = post(`/v1/me/notifications/${first.id}/read`, first.token)
    const captured = await captureRequest(s.url, req, new Set([first.id, first.user]))
    const requests = rest.map((n) =>
      substitute(
        captured,
        new Map<unknown, unknown>([
          [first.id, n.id],
          [first.user, n.user],
        ]),
      ),
    )
    return { captured, requests }
  }
  // The endpoint's requests are one per sampled user, in the order of `f.tokens`.
  const user = f.tokens[0]?.user ?? ''
  const captured = await captureRequest(s.url, mix[name][0] as LoadRequest, new Set([user]))
  const requests = f.tokens.map((t) => substitute(captured, new Map([[user, t.user]])))
  return { captured, requests }
}

/**
 * The same statements Herald runs for one endpoint's requests (captured from Herald itself, see
 * capture.ts), from a child process through a `pg` pool of Herald's size, with the same number of
 * concurrent loops and the same user sample. PostgreSQL only: the embedded store has no wire
 * protocol to drive it through.
 */
export async function measureRaw(
  s: BenchServer,
  f: Fixtures,
  mix: ReturnType<typeof endpointRequests>,
  name: RawRowName,
  pace: Pace,
): Promise<RawRowResult> {
  const { captured, requests } = await rawRequests(s, f, mix, name)
  const result = await drive(
    {
      mode: 'raw',
      url: PG_URL,
      schema: BENCH_SCHEMA,
      poolSize: s.config.database.poolSize,
      connections: pace.connections,
      seconds: pace.seconds,
      warmupSeconds: pace.warmupSeconds,
      amount: pace.amount,
      requests,
      ...(pace.inProcess ? {} : { cpu: { pgUrl: PG_URL, appName: RAW_APP } }),
    },
    pace.inProcess,
  )
  return { ...result, statements: captured.map((c) => c.map((st) => st.text)) }
}
