import { drive, get, post } from './drive.ts'
import type { Fixtures } from './fixtures.ts'
import type { LoadRequest, LoadResult, LoadSpec } from './load.ts'
import { PG_URL, SERVER_APP } from './server.ts'

/** How long and how hard each load runs. */
export interface Pace {
  connections: number
  seconds: number
  warmupSeconds: number
  probeSeconds: number
  /** Loads bounded by this many requests instead of by time (the smoke test; see LoadSpec). */
  amount?: number
  /** Run the load generator in this process (smoke test only: it then shares the event loop). */
  inProcess?: boolean
}

export interface EndpointResult extends LoadResult {
  /** Latency with one request at a time (no queueing), where a latency target applies. */
  probe?: { p50: number; p99: number }
}

export type EndpointName =
  | 'baseline'
  | 'unreadCount'
  | 'notModifiedPoll'
  | 'firstPage'
  | 'heavyFirstPage'
  | 'deepPage'
  | 'markOneRead'
  | 'sendOne'
  | 'offsetPage1'
  | 'offsetPageN'
  | 'keysetPageN'
  | 'heavyCountAfterMarkAll'

export async function measure(
  url: string,
  pace: Pace,
  requests: LoadRequest[],
  withProbe: boolean,
  probeOnly = false,
  okStatus?: number,
): Promise<EndpointResult> {
  const spec: LoadSpec = {
    okStatus,
    url,
    mode: 'autocannon',
    connections: pace.connections,
    seconds: pace.seconds,
    warmupSeconds: pace.warmupSeconds,
    amount: pace.amount,
    requests,
    // In one process (the smoke test) the load's CPU time is the server's: nothing to split.
    ...(pace.inProcess
      ? {}
      : { cpu: { serverPid: process.pid, pgUrl: PG_URL, appName: SERVER_APP } }),
  }
  const probeRun = () =>
    drive(
      {
        ...spec,
        mode: 'probe',
        seconds: pace.probeSeconds,
        warmupSeconds: Math.min(0.5, pace.warmupSeconds),
      },
      pace.inProcess,
    )
  if (probeOnly) {
    const probe = await probeRun()
    return { ...probe, probe: { p50: probe.p50, p99: probe.p99 } }
  }
  const loaded = await drive(spec, pace.inProcess)
  if (!withProbe) return loaded
  const probe = await probeRun()
  return { ...loaded, probe: { p50: probe.p50, p99: probe.p99 } }
}

const COUNTS = '/v1/me/counts?cap=99'

/**
 * The 304 poll's requests: the counts with each sampled user's current tag as If-None-Match, as
 * a poller sends them once it has the tag. Asked for just before the run: any change since
 * (the mark-read and send loads) would make the tag stale.
 */
export async function pollRequests(url: string, f: Fixtures): Promise<LoadRequest[]> {
  return Promise.all(
    f.tokens.map(async (u) => {
      const req = get(COUNTS, u.token)
      const res = await fetch(`${url}${COUNTS}`, { headers: req.headers })
      const etag = res.headers.get('etag')
      if (!res.ok || !etag) throw new Error(`counts answered ${res.status} without an ETag`)
      return { ...req, headers: { ...req.headers, 'if-none-match': etag } }
    }),
  )
}

/** The request mix of every endpoint run; random users unless the heavy user is the point. */
export function endpointRequests(
  f: Fixtures,
): Record<Exclude<EndpointName, 'notModifiedPoll'>, LoadRequest[]> {
  const users = f.tokens
  const heavy = (path: string) => [get(path, f.heavyToken)]
  return {
    baseline: users.map((u) => get('/bench/baseline', u.token)),
    unreadCount: users.map((u) => get(COUNTS, u.token)),
    firstPage: users.map((u) => get('/v1/me/notifications?limit=20', u.token)),
    // The deep page's own user at the top of the list: what the depth costs, with nothing else
    // changed (the sampled users spread their reads over 2,000 inboxes; all 50 connections of
    // the deep page read the same few pages of one).
    heavyFirstPage: heavy('/v1/me/notifications?limit=20'),
    deepPage: heavy(`/v1/me/notifications?limit=20&cursor=${f.deepCursor}`),
    markOneRead: f.unread
      .filter((_, i) => i % 2 === 0)
      .map((n) => post(`/v1/me/notifications/${n.id}/read`, n.token)),
    sendOne: users.map((u) =>
      post('/v1/notifications', f.apiKey, {
        to: { users: [u.user] },
        type: 'comment',
        title: 'New comment on your task',
        body: 'Looks good to me, merging after the tests pass.',
        actor: { id: 'u09999', username: 'user9999' },
        target: { id: '42', type: 'task', title: 'Task 42' },
      }),
    ),
    offsetPage1: heavy('/bench/offset-page?page=1'),
    offsetPageN: heavy(`/bench/offset-page?page=${f.peerPage}`),
    keysetPageN: heavy(`/v1/me/notifications?limit=20&cursor=${f.peerCursor}`),
    heavyCountAfterMarkAll: heavy(COUNTS),
  }
}

/**
 * The peer comparison is one request at a time: at 50 connections the OFFSET pattern on one
 * user queues for longer than any client would wait, and the comparison is about the query.
 */
export const PROBE_ONLY: ReadonlySet<EndpointName> = new Set([
  'offsetPage1',
  'offsetPageN',
  'keysetPageN',
])

/** Endpoints whose targets are about latency get an unloaded probe too. */
export const PROBED: ReadonlySet<EndpointName> = new Set([
  'unreadCount',
  'firstPage',
  'heavyFirstPage',
  'deepPage',
  'offsetPage1',
  'offsetPageN',
  'keysetPageN',
  'heavyCountAfterMarkAll',
])
