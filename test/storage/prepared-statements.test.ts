import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { describeEngines } from '../support/harness.ts'

// Statements with parameters run prepared on both engines (pg's named statements on PostgreSQL,
// storage/pglite-statements.ts on PGlite): the answers must be those of an unprepared run.
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

  test('more distinct statements than are kept, then the first ones again', async () => {
    const { db } = get().storage
    for (const round of [1, 2]) {
      for (let k = 0; k < 300; k++) {
        // Each k is a statement text of its own.
        const { rows } = await sql<{
          v: number
        }>`SELECT ${round}::int8 + ${sql.lit(k)} AS v`.execute(db)
        assert.deepEqual(rows, [{ v: round + k }])
      }
    }
  })

  test('a table changed under a kept statement: the statement is prepared again', async (t) => {
    const h = get()
    // pg's named statements on PostgreSQL fail here (0A000) until the connection is renewed.
    if (h.engine !== 'pglite') return t.skip('PGlite only')
    const { db } = h.storage
    await sql`CREATE TABLE prep_change (id int8, name text)`.execute(db)
    await sql`INSERT INTO prep_change VALUES (1, 'one')`.execute(db)
    const read = () => sql`SELECT * FROM prep_change WHERE id = ${1}`.execute(db)
    assert.deepEqual((await read()).rows, [{ id: 1, name: 'one' }])
    await sql`ALTER TABLE prep_change ADD COLUMN extra text DEFAULT 'x'`.execute(db)
    assert.deepEqual((await read()).rows, [{ id: 1, name: 'one', extra: 'x' }])
    // Kept prepared, but planned for each run's values (a generic plan misread skewed inboxes).
    const mode = await sql<{ plan_cache_mode: string }>`SHOW plan_cache_mode`.execute(db)
    assert.deepEqual(mode.rows, [{ plan_cache_mode: 'force_custom_plan' }])
  })
})
