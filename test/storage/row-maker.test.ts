import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { CompiledQuery } from 'kysely'
import pg from 'pg'
import { openStorage, type Storage } from '../../src/storage/db.ts'
import { rowMaker } from '../../src/storage/row-maker.ts'
import { PG_URL } from '../support/harness.ts'

test('a row maker makes the object pg makes: order, repeated names, odd names', () => {
  const names = ['id', 'we"ird', 'a b', 'id', '1', 'constructor', 'x\\y']
  const row = rowMaker(names)([1, 2, 3, 4, 5, 6, 7])
  // pg: an empty row of the names, then each value stored under its name in turn.
  const expected: Record<string, unknown> = {}
  for (const n of names) expected[n] = null
  names.forEach((n, i) => {
    expected[n] = i + 1
  })
  assert.deepEqual(Object.keys(row), Object.keys(expected))
  assert.deepEqual(row, expected)
  assert.equal(Object.getPrototypeOf(row), Object.prototype)
  assert.equal(rowMaker([...names]), rowMaker(names), 'one maker per list of names')
})

test('a column named __proto__ is a column, not the prototype', () => {
  const row = rowMaker(['a', '__proto__'])([1, { polluted: true }])
  assert.deepEqual(Object.keys(row), ['a', '__proto__'])
  assert.equal(Object.getPrototypeOf(row), Object.prototype)
  assert.equal((row as { polluted?: boolean }).polluted, undefined)
})

describe('rows of statements with parameters on PostgreSQL', () => {
  let storage: Storage
  let raw: pg.Client
  before(async () => {
    storage = await openStorage({ url: PG_URL, poolSize: 2 })
    raw = new pg.Client({ connectionString: PG_URL })
    await raw.connect()
  })
  after(async () => {
    await raw.end()
    await storage.close()
  })

  test('are the objects pg makes unprepared, run after run, and none when none', async () => {
    const text = `SELECT $1::int AS n, $2::text AS t, $3::timestamptz AS at, NULL::text AS "we""ird",
      $1::int + 1 AS n, '{"k": [1]}'::jsonb AS doc FROM generate_series(1, $4::int) AS i`
    for (const count of [3, 0, 3, 1]) {
      const values = [7, 'seven', '2026-12-07T17:43:50.123Z', count]
      const expected = (await raw.query(text, values)).rows
      const { rows } = await storage.db.executeQuery(CompiledQuery.raw(text, values))
      assert.equal(rows.length, count)
      assert.deepEqual(rows, expected)
      for (const [i, row] of rows.entries()) {
        assert.deepEqual(Object.keys(row as object), Object.keys(expected[i]))
      }
    }
  })
})
