import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { PG_URL, skipWithoutPostgres, startHerald, type TestHerald } from '../support/harness.ts'
import { type Outcome, startLoad, within } from '../support/load.ts'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts'
import { world } from '../support/world.ts'

const STATEMENT_MS = 1_000
const CLIENTS = 10

type Caller = (kind: Kind, n: number) => Promise<Omit<Outcome, 'startedAt' | 'endedAt'>>
type Kind = 'send' | 'list' | 'mantle2'
const KINDS: Kind[] = ['send', 'list', 'mantle2']

/** Mixed traffic: a native send, a native list, and Mantle2's list (a dialect's error shape). */
async function caller(h: TestHerald): Promise<Caller> {
  const w = await world(h, { profiles: { '42': { username: 'alice' } } })
  const user = { authorization: `Bearer ${w.tokens['42']}` }
  const producer = { authorization: `Bearer ${w.key}` }
  return async (kind, n) => {
    const res = await h.app.inject(
      kind === 'send'
        ? {
            method: 'POST',
            url: '/v1/notifications',
            headers: producer,
            payload: { to: { users: ['42'] }, type: 'load', title: `t${n}` },
          }
        : kind === 'list'
          ? { method: 'GET', url: '/v1/me/notifications?limit=5', headers: user }
          : { method: 'GET', url: '/compat/mantle2/v2/users/current/notifications', headers: user },
    )
    return { kind, status: res.statusCode, body: res.body, headers: res.headers }
  }
}

/** An outage answer in its surface's own shape, with Retry-After. */
function assertUnavailable(o: Outcome) {
  assert.equal(o.status, 503, `${o.kind}: ${o.status} ${o.body}`)
  assert.ok(Number(o.headers['retry-after']) >= 1, `${o.kind}: Retry-After`)
  const body = JSON.parse(o.body)
  if (o.kind === 'mantle2') assert.deepEqual(body, { message: 'Service Unavailable', code: 503 })
  else assert.equal(body.error.code, 'UNAVAILABLE', o.body)
}

const okAfter = (t: number) => (os: Outcome[]) =>
  KINDS.every((k) => os.some((o) => o.kind === k && o.startedAt >= t && o.status < 300))

describe('PostgreSQL outages behind a proxy [postgres]', { skip: skipWithoutPostgres }, () => {
  let proxy: TcpProxy
  let h: TestHerald
  let call: Caller

  before(async () => {
    proxy = await startTcpProxy()
    h = await startHerald('postgres', {
      DATABASE_URL: proxy.through(PG_URL),
      HERALD_DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_MS),
    })
    call = await caller(h)
  })
  // Whatever failed before, the proxy closes: its listening socket would keep the process alive.
  after(async () => {
    try {
      await proxy.accept().catch(() => {})
      proxy.thaw()
      await h.close()
    } finally {
      await proxy.close()
    }
  })

  const load = () => startLoad(CLIENTS, (w, n) => call(KINDS[w % KINDS.length] as Kind, n))

  for (const stopped of [false, true]) {
    const what = stopped ? 'stopped (connections cut, new ones refused)' : 'restarted (cut)'
    test(`database ${what} under ${CLIENTS} clients: 503s, no crash, recovery`, async (t) => {
      const run = load()
      await run.until(okAfter(0), 10_000, 'warm-up')
      const cutAt = Date.now()
      if (stopped) await proxy.refuse()
      else proxy.cut()
      // Answers to requests made once the outage was complete: ten of each kind.
      const after = (os: Outcome[]) => os.filter((o) => o.startedAt > cutAt + 50)
      if (stopped) {
        await run.until(
          (os) => KINDS.every((k) => after(os).filter((o) => o.kind === k).length >= 10),
          5_000,
          'outage answers',
        )
        await proxy.accept()
      }
      const backAt = Date.now()
      const recoveredMs = await run.until(okAfter(backAt), 2_000, 'recovery')
      const outcomes = await run.stop()
      const failed = outcomes.filter((o) => o.status >= 300)
      for (const o of failed) assertUnavailable(o)
      const during = outcomes.filter((o) => o.startedAt > cutAt + 50 && o.endedAt < backAt)
      if (stopped) for (const o of during) assertUnavailable(o)
      t.diagnostic(
        `${what}: ${outcomes.length} requests, ${failed.length} answered 503 (none 500), ` +
          `${during.length} during the outage, recovered ${(recoveredMs / 1000).toFixed(2)} s after the proxy accepted`,
      )
    })
  }

  test('a frozen database: requests fail within the statement timeout; /readyz 503, /healthz 200', async (t) => {
    const run = load()
    await run.until(okAfter(0), 10_000, 'warm-up')
    await run.stop()
    proxy.freeze()
    const frozenAt = Date.now()
    const answers = await Promise.all(
      Array.from({ length: CLIENTS }, (_, i) => {
        const started = Date.now()
        return call(KINDS[i % KINDS.length] as Kind, i).then((o) => ({
          ...o,
          startedAt: started,
          endedAt: Date.now(),
        }))
      }),
    )
    const slowest = Math.max(...answers.map((o) => o.endedAt - o.startedAt))
    for (const o of answers) assertUnavailable(o)
    assert.ok(slowest <= STATEMENT_MS + 1_000, `slowest answer took ${slowest} ms`)
    const ready = await h.app.inject({ method: 'GET', url: '/readyz' })
    assert.equal(ready.statusCode, 503, ready.body)
    assert.equal((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
    const readyMs = Date.now() - frozenAt
    proxy.thaw()
    const recoveredMs = await within(2_000, 'recovery after the freeze', async () =>
      (await Promise.all(KINDS.map((k) => call(k, 0)))).every((o) => o.status < 300),
    )
    t.diagnostic(
      `frozen: ${answers.length} requests all 503, slowest ${slowest} ms (statement timeout ${STATEMENT_MS} ms); ` +
        `/readyz 503 by ${readyMs} ms; recovered ${(recoveredMs / 1000).toFixed(2)} s after the thaw`,
    )
  })
})
