import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startHerald, type TestHerald } from '../support/harness.ts'
import { world } from '../support/world.ts'

// The embedded store runs one statement at a time; these check, over HTTP on a real server, that
// another tenant's request waits behind one turn of an abusive user's backlog, not all of it.
let h: TestHerald
let base: string

before(async () => {
  h = await startHerald('pglite')
  base = await h.app.listen({ port: 0, host: '127.0.0.1' })
})
after(() => h.close())

/** Resolves once at least `n` statements wait for the store (the event loop turns meanwhile). */
async function waitingAtLeast(n: number): Promise<void> {
  const waiting = h.storage.waiting
  assert.ok(waiting, 'the embedded store reports its waiting statements')
  while (waiting() < n) await new Promise((resolve) => setImmediate(resolve))
}

/**
 * Holds the store's one session (work of no request) until `letGo`, so that what comes next
 * queues; `holder` settles once it is let go.
 */
async function holdStore(t: TestHerald) {
  let letGo!: () => void
  const gate = new Promise<void>((resolve) => {
    letGo = resolve
  })
  let held!: () => void
  const holding = new Promise<void>((resolve) => {
    held = resolve
  })
  const holder = t.storage.db.transaction().execute(async () => {
    held()
    await gate
  })
  await holding
  return { letGo, holder }
}

test("another tenant's request is served after one turn of an abusive user's 20 requests", async () => {
  const abuser = await world(h, { users: ['x'] })
  const other = await world(h, { users: ['o'] })
  await abuser.seed('x', { type: 't', title: 't' })
  await other.seed('o', { type: 't', title: 't' })
  const list = (token: string) =>
    fetch(`${base}/v1/me/notifications?limit=5`, { headers: { authorization: `Bearer ${token}` } })

  // The store is held (work of no request), so everything below queues; then let go.
  const { letGo, holder } = await holdStore(h)

  const finished: string[] = []
  const abusive = Array.from({ length: 20 }, (_, i) =>
    list(abuser.tokens.x).then(async (res) => {
      assert.equal(res.status, 200, await res.text())
      finished.push(`x${i}`)
    }),
  )
  await waitingAtLeast(20)
  const ordinary = list(other.tokens.o).then(async (res) => {
    assert.equal(res.status, 200, await res.text())
    finished.push('o')
  })
  await waitingAtLeast(21)
  letGo()
  await Promise.all([holder, ordinary, ...abusive])
  // First come, first served would answer it last: after all 20, queued before it.
  const at = finished.indexOf('o')
  assert.ok(at <= 3, `the other tenant's request finished ${at + 1}th of 21: ${finished}`)
})

test("a user's backlog past HERALD_PGLITE_QUEUE_PER_USER is answered 503, others' is not", async () => {
  const small = await startHerald('pglite', { HERALD_PGLITE_QUEUE_PER_USER: '3' })
  try {
    const url = await small.app.listen({ port: 0, host: '127.0.0.1' })
    const abuser = await world(small, { users: ['x'] })
    const other = await world(small, { users: ['o'] })
    const list = (token: string) =>
      fetch(`${url}/v1/me/notifications`, { headers: { authorization: `Bearer ${token}` } })
    const { letGo, holder } = await holdStore(small)
    const waiting = small.storage.waiting as () => number
    const queued = Array.from({ length: 3 }, () => list(abuser.tokens.x))
    while (waiting() < 3) await new Promise((resolve) => setImmediate(resolve))
    const refused = await list(abuser.tokens.x)
    assert.equal(refused.status, 503, await refused.text())
    assert.ok(refused.headers.get('retry-after'), 'a 503 says when to retry')
    let answered = false
    const ordinary = list(other.tokens.o).finally(() => {
      answered = true
    })
    // Queued, or (wrongly) refused at once.
    while (waiting() < 4 && !answered) await new Promise((resolve) => setImmediate(resolve))
    letGo()
    await holder
    for (const res of await Promise.all([...queued, ordinary])) assert.equal(res.status, 200)
  } finally {
    await small.close()
  }
})
