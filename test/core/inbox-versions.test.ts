import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createLocalBus, type EventStage, type InboxEvent } from '../../src/core/events.ts'
import { createInboxVersions } from '../../src/core/inbox-versions.ts'

/**
 * The version logic against the bus interface alone: the HTTP suites (native/polling,
 * reliability/polling-redis) show it over the wire; this one reaches the corners they cannot
 * arrange on demand (an own event between its publication and its return, evictions, a full
 * pending list).
 */
function setup(maxUsers = 100, lifetimeMs = 60_000) {
  const bus = createLocalBus()
  let live = true
  let now = 0
  const events = { ...bus, live: () => live }
  const versions = createInboxVersions(events, () => new Date(now), { maxUsers, lifetimeMs })
  let n = 0
  const event = (tenantId: string, userId: string): InboxEvent => ({
    type: 'notifications.changed',
    tenantId,
    userId,
    at: '2026-01-01T00:00:00Z',
    id: `ev${++n}`,
  })
  return {
    versions,
    learn: (e: InboxEvent, stage: EventStage) => bus.learn(e, stage),
    event,
    gap: () => bus.gap(),
    deaf: (v: boolean) => {
      live = !v
    },
    later: (ms: number) => {
      now += ms
    },
  }
}

const ann = { tenantId: 't', userId: 'ann' }
const bob = { tenantId: 't', userId: 'bob' }

describe('inbox versions', () => {
  test('two instances that learned the same ordered events agree; an unknown inbox never does', () => {
    const a = setup()
    const b = setup()
    assert.notEqual(a.versions.of(ann), b.versions.of(ann), 'nothing known: each its own')
    const e = a.event('t', 'ann')
    a.learn(e, 'ordered')
    b.learn(e, 'ordered')
    assert.equal(a.versions.of(ann), b.versions.of(ann))
    assert.equal(a.versions.of(ann), a.versions.of(ann), 'stable while nothing happens')
  })

  test('an own event is the instance’s own version until Redis returns it, whatever comes between', () => {
    const a = setup()
    const b = setup()
    const first = a.event('t', 'ann')
    a.learn(first, 'ordered')
    b.learn(first, 'ordered')
    const shared = a.versions.of(ann)
    const mine = a.event('t', 'ann')
    a.learn(mine, 'local')
    const pending = a.versions.of(ann)
    assert.notEqual(pending, shared)
    // Another instance's event arrives before ours is back: still only ours to vouch for.
    const theirs = b.event('t', 'ann')
    a.learn(theirs, 'ordered')
    b.learn(theirs, 'ordered')
    assert.notEqual(a.versions.of(ann), b.versions.of(ann))
    assert.notEqual(a.versions.of(ann), pending)
    // Ours comes back (after theirs, in Redis's order): both name it.
    a.learn(mine, 'ordered')
    b.learn(mine, 'ordered')
    assert.equal(a.versions.of(ann), b.versions.of(ann))
  })

  test('a lost own event leaves the version the instance’s own, and new', () => {
    const a = setup()
    const e = a.event('t', 'ann')
    a.learn(e, 'ordered')
    const before = a.versions.of(ann)
    const lost = a.event('t', 'ann')
    a.learn(lost, 'local')
    const pending = a.versions.of(ann)
    a.learn(lost, 'lost')
    const after = a.versions.of(ann)
    assert.equal(new Set([before, pending, after]).size, 3)
    assert.match(after, /^i:/)
  })

  test('a tenant-wide event moves every user of the tenant, and only them', () => {
    const a = setup()
    const other = { tenantId: 'u', userId: 'ann' }
    const before = [a.versions.of(ann), a.versions.of(bob), a.versions.of(other)]
    a.learn(a.event('t', '*'), 'ordered')
    assert.notEqual(a.versions.of(ann), before[0])
    assert.notEqual(a.versions.of(bob), before[1])
    assert.equal(a.versions.of(other), before[2])
    // A user's own event after it is the later one.
    const wide = a.versions.of(ann)
    a.learn(a.event('t', 'ann'), 'ordered')
    assert.notEqual(a.versions.of(ann), wide)
  })

  test('an evicted user gets a version never given before', () => {
    const a = setup(2)
    const seen = new Set<string>()
    seen.add(a.versions.of(ann))
    seen.add(a.versions.of(bob))
    seen.add(a.versions.of({ tenantId: 't', userId: 'cy' }))
    const again = a.versions.of(ann)
    assert.ok(!seen.has(again), 'ann was evicted: a new version')
    assert.equal(a.versions.size(), 2)
  })

  test('a user whose tenant’s entry was evicted after theirs was made is not vouched for', () => {
    const a = setup(1)
    const e = a.event('t', 'ann')
    a.learn(e, 'ordered')
    const before = a.versions.of(ann)
    a.learn(a.event('t', '*'), 'ordered')
    const wide = a.versions.of(ann)
    assert.notEqual(wide, before)
    // Another tenant's wide event evicts t's: what ann's version knew of t is gone.
    a.learn(a.event('u', '*'), 'ordered')
    const after = a.versions.of(ann)
    assert.ok(![before, wide].includes(after))
  })

  test('a gap, a deaf bus and the lifetime each end every version', () => {
    const a = setup()
    a.learn(a.event('t', 'ann'), 'ordered')
    const v1 = a.versions.of(ann)
    a.gap()
    const v2 = a.versions.of(ann)
    assert.notEqual(v2, v1)
    assert.equal(a.versions.of(ann), v2)
    a.deaf(true)
    assert.notEqual(a.versions.of(ann), a.versions.of(ann), 'deaf: a new one every time')
    a.deaf(false)
    assert.equal(a.versions.of(ann), v2)
    a.later(60_000)
    assert.notEqual(a.versions.of(ann), v2)
  })

  test('past the pending limit, nothing is vouched for until a gap', () => {
    const a = setup(2)
    for (const user of ['x', 'y', 'z']) a.learn(a.event('t', user), 'local')
    assert.notEqual(a.versions.of(ann), a.versions.of(ann))
    a.gap()
    assert.equal(a.versions.of(ann), a.versions.of(ann))
  })
})
