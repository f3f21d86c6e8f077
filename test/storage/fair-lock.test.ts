import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isHeraldError } from '../../src/core/errors.ts'
import { asRequester } from '../../src/core/requester.ts'
import { FairLock } from '../../src/storage/fair-lock.ts'

/**
 * A lock on a clock of the test's: each waiter holds the session for its cost (the clock moves on
 * by it), and the order the session was handed out in is recorded. No time passes for real.
 */
function harness(maxPerUser = 100) {
  let time = 0
  const lock = new FairLock(maxPerUser, () => time)
  const got: string[] = []
  /** Queues one statement of `user` (undefined: background work) costing `cost` ms. */
  const queue = (user: string | undefined, cost = 1) => {
    const take = () => lock.acquire()
    const acquired = user ? asRequester({ tenant: 't', user }, take) : take()
    return acquired.then((release) => {
      got.push(user ?? 'background')
      time += cost
      release()
    })
  }
  /** Runs `fn` (which queues waiters) while the session is held, then lets go and waits. */
  const behindHolder = async (fn: () => Array<Promise<void>>) => {
    const release = await lock.acquire()
    const all = fn()
    release()
    await Promise.all(all)
    assert.equal(lock.waiting, 0)
  }
  return { lock, got, queue, behindHolder, advance: (ms: number) => (time += ms) }
}

test("one requester's backlog does not hold up another's: it waits for one statement", async () => {
  const { got, queue, behindHolder } = harness()
  await behindHolder(() => [...Array.from({ length: 5 }, () => queue('a')), queue('b')])
  // First come, first served would give b the session last.
  assert.deepEqual(got, ['a', 'b', 'a', 'a', 'a', 'a'])
})

test('a requester that held the session long waits while the others use as much', async () => {
  const { got, queue, behindHolder } = harness()
  await behindHolder(() => [
    queue('a', 300),
    queue('a', 300),
    ...Array.from({ length: 3 }, () => [queue('b', 10), queue('c', 10)]).flat(),
  ])
  assert.deepEqual(got, ['a', 'b', 'c', 'b', 'c', 'b', 'c', 'a'])
})

test('a debt run up while others waited survives idling: its requester is not first again', async () => {
  const { got, queue, behindHolder } = harness()
  // a holds the session for 300 ms while b waits: shared evenly, each would have had 150.
  await behindHolder(() => [queue('a', 300), queue('b')])
  got.length = 0
  await behindHolder(() => [queue('a'), queue('b'), queue('b')])
  assert.deepEqual(got, ['b', 'b', 'a'])
})

test('time used with no one else waiting is no debt', async () => {
  const { got, queue, behindHolder } = harness()
  await queue('a', 300)
  await behindHolder(() => [queue('a'), queue('b'), queue('a'), queue('b')])
  assert.deepEqual(got, ['a', 'a', 'b', 'a', 'b'])
})

test('a returning requester waits for those active now, not for every requester the lock has seen', async () => {
  const { lock, got, queue, behindHolder, advance } = harness()
  // a holds the session for 20 ms while b waits: it owes 10 ms.
  await behindHolder(() => [queue('a', 20), queue('b')])
  got.length = 0
  // Then a waits while 100 requesters new to the lock arrive one at a time, each while the one
  // before it holds the session for 1 ms. Were the clock to stand still, each would start below a.
  const newcomer = (i: number): Promise<void> =>
    asRequester({ tenant: 't', user: `n${i}` }, () => lock.acquire()).then((release) => {
      got.push(`n${i}`)
      const next = i < 99 ? newcomer(i + 1) : undefined
      advance(1)
      release()
      return next
    })
  await behindHolder(() => [queue('a'), newcomer(0)])
  const turn = got.indexOf('a')
  // With a and two newcomers wanting the session, the clock runs at a third of real time: a's
  // 10 ms are paid off after about 30 newcomers, not after all 100.
  assert.ok(turn > 10 && turn < 50, `a's turn: ${turn} of ${got.length}`)
})

test('a long hold by background work does not put a returning requester behind a backlog', async () => {
  const { lock, got, queue, behindHolder, advance } = harness()
  // Background work holds the session for 300 ms while x (four statements) and o wait; o's
  // second statement comes once its first is done. Had the hold moved the clock on by the share
  // x and o never had, o's second would start 100 ms ahead of x and wait for all of x's.
  const o = () =>
    asRequester({ tenant: 't', user: 'o' }, () => lock.acquire()).then((release) => {
      got.push('o')
      advance(1)
      release()
      return queue('o')
    })
  await behindHolder(() => [
    queue(undefined, 300),
    ...Array.from({ length: 4 }, () => queue('x')),
    o(),
  ])
  assert.deepEqual(got, ['background', 'x', 'o', 'x', 'o', 'x', 'x'])
})

test('idling earns no credit: a requester that starts waiting starts where the others are', async () => {
  const { got, queue, behindHolder } = harness()
  await behindHolder(() => [
    ...Array.from({ length: 5 }, () => [queue('a', 10), queue('c', 10)]).flat(),
  ])
  got.length = 0
  // b has used nothing, but was not waiting while a and c used 50 ms each: it gets its turn
  // among them, not the next 50 ms.
  await behindHolder(() => [
    ...Array.from({ length: 4 }, () => queue('b', 10)),
    queue('a', 10),
    queue('c', 10),
  ])
  assert.ok(got.indexOf('a') <= 2 && got.indexOf('c') <= 3, `order: ${got}`)
})

test('work outside any request is a lane of its own', async () => {
  const { got, queue, behindHolder } = harness()
  await behindHolder(() => [queue('a'), queue('a'), queue('a'), queue(undefined), queue('b')])
  assert.deepEqual(got, ['a', 'background', 'b', 'a', 'a'])
})

test('a free lock is taken at once, and handed back free', async () => {
  const lock = new FairLock(1)
  const release = await lock.acquire()
  release()
  ;(await lock.acquire())()
  assert.equal(lock.waiting, 0)
})

test("one user's waiters are bounded: past the bound a statement is refused as UNAVAILABLE", async () => {
  const lock = new FairLock(2)
  const a = { tenant: 'A', user: 'a' }
  const release = await lock.acquire()
  const queued = [asRequester(a, () => lock.acquire()), asRequester(a, () => lock.acquire())]
  await assert.rejects(
    asRequester(a, () => lock.acquire()),
    (err) => isHeraldError(err) && err.code === 'UNAVAILABLE',
  )
  // Another user is not refused for it.
  queued.push(asRequester({ tenant: 'A', user: 'b' }, () => lock.acquire()))
  assert.equal(lock.waiting, 3)
  release()
  await Promise.all(queued.map((q) => q.then((next) => next())))
  assert.equal(lock.waiting, 0)
})
