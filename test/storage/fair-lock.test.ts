import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isHeraldError } from '../../src/core/errors.ts'
import { asRequester, type Requester } from '../../src/core/requester.ts'
import { FairLock } from '../../src/storage/fair-lock.ts'

/** Queues one waiter per entry behind a held lock; releasing in turn records who got it. */
async function order(lock: FairLock, waiters: Array<Requester | undefined>): Promise<string[]> {
  const release = await lock.acquire()
  const got: string[] = []
  const all = waiters.map((r) => {
    const name = r ? `${r.tenant}/${r.user}` : 'background'
    const take = () => lock.acquire()
    return (r ? asRequester(r, take) : take()).then((next) => {
      got.push(name)
      next()
    })
  })
  assert.equal(lock.waiting, waiters.length)
  release()
  await Promise.all(all)
  assert.equal(lock.waiting, 0)
  return got
}

const a = { tenant: 'A', user: 'a' }
const b = { tenant: 'B', user: 'b' }

test("one requester's backlog does not hold up another tenant: it waits for one turn", async () => {
  const got = await order(new FairLock(100), [a, a, a, a, a, b])
  // First come, first served would give b the lock last.
  assert.deepEqual(got, ['A/a', 'B/b', 'A/a', 'A/a', 'A/a', 'A/a'])
})

test('tenants take turns, and a tenant shares its turn among its users', async () => {
  const a2 = { tenant: 'A', user: 'a2' }
  const a3 = { tenant: 'A', user: 'a3' }
  const got = await order(new FairLock(100), [a, a, a2, a3, b, b, b])
  assert.deepEqual(got, ['A/a', 'B/b', 'A/a2', 'B/b', 'A/a3', 'B/b', 'A/a'])
})

test('work outside any request is one more lane', async () => {
  const got = await order(new FairLock(100), [a, a, a, undefined, b])
  assert.deepEqual(got, ['A/a', 'background', 'B/b', 'A/a', 'A/a'])
})

test('a free lock is taken at once, and handed back free', async () => {
  const lock = new FairLock(1)
  const release = await lock.acquire()
  release()
  // Free again: no waiter, taken at once.
  ;(await lock.acquire())()
  assert.equal(lock.waiting, 0)
})

test("one user's waiters are bounded: past the bound a statement is refused as UNAVAILABLE", async () => {
  const lock = new FairLock(2)
  const release = await lock.acquire()
  const queued = [asRequester(a, () => lock.acquire()), asRequester(a, () => lock.acquire())]
  await assert.rejects(
    asRequester(a, () => lock.acquire()),
    (err) => isHeraldError(err) && err.code === 'UNAVAILABLE',
  )
  // Another user is not refused for it.
  queued.push(asRequester(b, () => lock.acquire()))
  assert.equal(lock.waiting, 3)
  release()
  await Promise.all(queued.map((q) => q.then((next) => next())))
  assert.equal(lock.waiting, 0)
})
