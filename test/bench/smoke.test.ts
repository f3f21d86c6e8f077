import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PACES, runBench } from '../../bench/bench.ts'
import { renderTable } from '../../bench/report.ts'
import { SIZES } from '../../bench/seed.ts'
import { checkTargets } from '../../bench/targets.ts'

// Keeps the benchmark from rotting: the whole pipeline on a tiny PGlite data set, loads run in
// this process. Figures are not checked, only that they exist; the loads are counted (PACES.smoke
// has an amount), so how many requests each made does not depend on the machine's speed.
test('bench pipeline runs end to end on a tiny data set [pglite]', async () => {
  const r = await runBench({
    engine: 'pglite',
    size: 'tiny',
    pace: PACES.smoke,
    bulkRecipients: 500,
  })
  const tiny = SIZES.tiny
  const others = r.seed.notifications - tiny.heavy
  assert.ok(others >= (tiny.users - 1) * tiny.lo, `seeded ${r.seed.notifications}`)
  assert.ok(others <= (tiny.users - 1) * (tiny.lo + tiny.span))
  for (const [name, e] of Object.entries(r.endpoints)) {
    assert.ok(e.requests > 0, `${name} made no requests`)
    assert.equal(e.requests, PACES.smoke.amount, `${name} made ${e.requests} requests`)
    assert.equal(e.bad, 0, `${name} had failed requests`)
  }
  assert.equal(r.bulk.send.rows, 500)
  assert.equal(r.bulk.noneMuted?.rows, 500)
  assert.equal(r.bulk.tenthMuted?.rows, 450)
  assert.equal(r.bulk.critical?.rows, 500)
  assert.equal(r.bulk.markAll.rows, tiny.heavy)
  assert.equal(r.bulk.deleteByFilter.rows, tiny.heavy / 10)
  const table = renderTable(r)
  assert.match(table, /unread count/)
  assert.match(table, /304 poll/)
  assert.match(table, /limit: single-row commits/)
  assert.match(table, /send to many, a tenth muted \(450 rows\)/)
  assert.equal(checkTargets(r).length, 8)
})
