import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { describeEngines } from '../support/harness.ts'

// Statements with parameters run as pg's named prepared statements on PostgreSQL (and plainly on
// PGlite): the answers must be the same on both, run after run.
describeEngines('prepared statements', (get) => {
  test('values of every kind go in and come out as they do unprepared, run after run', async () => {
    const { db } = get().storage
    const when = new Date('2026-01-02T03:04:05.678Z')
    // Past five runs PostgreSQL may switch to a generic plan: run it more often than that.
    for (let i = 0; i < 8; i++) {
      const { rows } = await sql<Record<string, unknown>>`SELECT ${i}::int8 AS n,
        ${`text ${i}`}::text AS t, ${when}::timestamptz AS at, ${['a', `b${i}`]}::text[] AS arr,
        ${JSON.stringify({ k: i })}::jsonb AS doc, ${i % 2 === 0}::boolean AS even,
        ${null}::text AS nothing`.execute(db)
      assert.deepEqual(rows, [
        {
          n: i,
          t: `text ${i}`,
          at: when,
          arr: ['a', `b${i}`],
          doc: { k: i },
          even: i % 2 === 0,
          nothing: null,
        },
      ])
    }
  })

  test('changed rows are counted; errors keep their codes, and the session goes on', async () => {
    const { db } = get().storage
    await sql`CREATE TABLE prep_probe (id int8 PRIMARY KEY, name text NOT NULL)`.execute(db)
    const insert = (id: number, name: string) =>
      sql`INSERT INTO prep_probe (id, name) VALUES (${id}, ${name})`.execute(db)
    await insert(1, 'one')
    await insert(2, 'two')
    const updated = await sql`UPDATE prep_probe SET name = ${'x'} WHERE id <= ${2}`.execute(db)
    assert.equal(updated.numAffectedRows, 2n)
    await assert.rejects(insert(1, 'again'), (err: { code?: string; constraint?: string }) => {
      assert.equal(err.code, '23505')
      assert.equal(err.constraint, 'prep_probe_pkey')
      return true
    })
    await assert.rejects(sql`SELECT ${'zz'}::int AS n`.execute(db), { code: '22P02' })
    // A failed statement inside a transaction rolls it back, and the next one runs.
    await assert.rejects(
      db.transaction().execute(async (tx) => {
        await sql`UPDATE prep_probe SET name = ${'y'} WHERE id = ${1}`.execute(tx)
        await sql`INSERT INTO prep_probe (id, name) VALUES (${2}, ${'dup'})`.execute(tx)
      }),
      { code: '23505' },
    )
    const { rows } = await sql<{
      name: string
    }>`SELECT name FROM prep_probe WHERE id = ${1}`.execute(db)
    assert.deepEqual(rows, [{ name: 'x' }])
  })
})
