import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { skipWithoutPostgres } from '../support/harness.ts'

// The rows that drive Herald's own statements straight through pg: on a tiny PostgreSQL data set,
// in a schema of this run's own (the bench drops and recreates its schema), loads counted.
test('bench: each endpoint row has its statements driven through pg [postgres]', {
  skip: skipWithoutPostgres,
}, async () => {
  process.env.HERALD_BENCH_SCHEMA = `bench_t_${randomBytes(4).toString('hex')}`
  const { PACES, runBench } = await import('../../bench/bench.ts')
  const { renderTable } = await import('../../bench/report.ts')
  const { checkTargets } = await import('../../bench/targets.ts')
  const r = await runBench({
    engine: 'postgres',
    size: 'tiny',
    pace: PACES.smoke,
    bulkRecipients: 500,
  })
  const raw = r.raw ?? {}
  assert.deepEqual(Object.keys(raw).sort(), [
    'deepPage',
    'firstPage',
    'markOneRead',
    'sendOne',
    'unreadCount',
  ])
  for (const [name, row] of Object.entries(raw)) {
    assert.equal(row.requests, PACES.smoke.amount, `${name} made ${row.requests} requests`)
    assert.equal(row.bad, 0, `${name} had failed statements`)
  }
  // What was captured is Herald's own SQL for that request, not background work.
  const texts = (name: keyof typeof raw) => (raw[name]?.statements ?? []).flat().join('\n')
  assert.match(texts('unreadCount'), /count\(\*\)/)
  assert.match(texts('firstPage'), /from "notifications" as "n"/)
  assert.match(texts('markOneRead'), /update "notifications" set "read_at"/)
  assert.match(texts('sendOne'), /insert into "?messages"?/i)
  assert.match(renderTable(r), /its 1 statement through pg/)
  const names = checkTargets(r).map((t) => t.name)
  assert.ok(names.includes('unread count ≥ 60 % of its statements straight through pg'))
  assert.ok(names.includes('first page ≥ 50 % of its statements straight through pg'))
})
