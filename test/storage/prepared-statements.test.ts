import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { PGlite } from '@electric-sql/pglite'
import { sql } from 'kysely'
import { preparedStatements, resultOf } from '../../src/storage/pglite-statements.ts'
import { describeEngines } from '../support/harness.ts'

// Statements with parameters run as pg's named prepared statements on PostgreSQL (and plainly on
// PGlite): the answers must be the same on both, run after run.
/** The row the value probes below select, as the drivers hand it over. */
const valuesOf = (i: number, when: Date) => ({
  n: i,
  t: `text ${i}`,
  at: when,
  arr: ['a', `b${i}`],
  doc: { k: i },
  even: i % 2 === 0,
  nothing: null,
})

/**
 * Kept statements whose answers are read as the main thread reads them: the bytes the worker
 * passes on are decoded (pglite-wire.ts), the rest are PGlite's own rows.
 */
const readRows = (kept: ReturnType<typeof preparedStatements>) => ({
  ...kept,
  /** The answer as the worker passes it on. */
  answer: kept.query,
  query: async (text: string, params: readonly unknown[], generic?: boolean) =>
    resultOf(await kept.query(text, params, generic)),
})

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
      assert.deepEqual(rows, [valuesOf(i, when)])
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

// The embedded store keeps the statements the store marks `keep` (the badge counts) as named
// prepared statements on PGlite's one session (storage/pglite-statements.ts): their answers must
// be those of PGlite's own query, run after run, past the number kept and across a table change.
describe('PGlite kept statements', () => {
  let db: PGlite
  let kept: ReturnType<typeof readRows>
  before(async () => {
    db = new PGlite()
    kept = readRows(preparedStatements(db))
    await db.exec(`CREATE TABLE probe (id int8 PRIMARY KEY, name text NOT NULL, at timestamptz,
      tags text[], doc jsonb, flag boolean)`)
  })
  after(async () => {
    await db.close()
  })

  test('values of every kind come out as PGlite.query gives them, past five runs', async () => {
    const when = new Date('2026-01-02T03:04:05.678Z')
    const text = `SELECT $1::int8 AS n, $2::text AS t, $3::timestamptz AS at, $4::text[] AS arr,
      $5::jsonb AS doc, $6::boolean AS even, $7::text AS nothing`
    for (let i = 0; i < 8; i++) {
      const params = [
        i,
        `text ${i}`,
        when,
        ['a', `b${i}`],
        JSON.stringify({ k: i }),
        i % 2 === 0,
        null,
      ]
      const plain = await db.query(text, params)
      assert.deepEqual((await kept.query(text, params)).rows, plain.rows)
      assert.deepEqual((await kept.query(text, params)).rows[0], valuesOf(i, when))
    }
  })

  test('changed rows are counted; an error keeps its code and the session goes on', async () => {
    const insert = 'INSERT INTO probe (id, name) VALUES ($1, $2)'
    assert.equal((await kept.query(insert, [1, 'one'])).affectedRows, 1)
    assert.equal((await kept.query(insert, [2, 'two'])).affectedRows, 1)
    const updated = await kept.query('UPDATE probe SET name = $1 WHERE id <= $2', ['x', 2])
    assert.equal(updated.affectedRows, 2)
    await assert.rejects(kept.query(insert, [1, 'again']), { code: '23505' })
    await assert.rejects(kept.query('SELECT $1::int AS n', ['zz']), { code: '22P02' })
    const { rows } = await kept.query('SELECT name FROM probe WHERE id = $1', [1])
    assert.deepEqual(rows, [{ name: 'x' }])
  })

  test('more distinct statements than are kept, then the first ones again', async () => {
    for (const round of [1, 2]) {
      for (let k = 0; k < 300; k++) {
        const { rows } = await kept.query(`SELECT $1::int8 + ${k} AS v`, [round])
        assert.deepEqual(rows, [{ v: round + k }])
      }
    }
  })

  test('a table changed under a kept statement: the statement is prepared again', async () => {
    await db.exec(
      `CREATE TABLE changing (id int8, name text); INSERT INTO changing VALUES (1, 'one')`,
    )
    const read = () => kept.query('SELECT * FROM changing WHERE id = $1', [1])
    assert.deepEqual((await read()).rows, [{ id: 1, name: 'one' }])
    await db.exec(`ALTER TABLE changing ADD COLUMN extra text DEFAULT 'x'`)
    assert.deepEqual((await read()).rows, [{ id: 1, name: 'one', extra: 'x' }])
  })
})

/** How often PostgreSQL planned the statement of `text` kept on the session, each way. */
async function plans(run: (q: string) => Promise<{ rows: unknown[] }>, text: string) {
  const { rows } = await run(
    `SELECT custom_plans::int AS custom, generic_plans::int AS generic
       FROM pg_prepared_statements WHERE statement = '${text.replace(/'/g, "''")}'`,
  )
  return rows[0] as { custom: number; generic: number } | undefined
}

// The worker passes an answer's bytes on and the main thread reads them (storage/pglite-wire.ts):
// its rows must be those PGlite's own reader makes, value for value.
describe('PGlite answers read on the main thread', () => {
  let db: PGlite
  let kept: ReturnType<typeof readRows>
  before(async () => {
    db = new PGlite()
    kept = readRows(preparedStatements(db))
  })
  after(async () => {
    await db.close()
  })

  const same = async (text: string, params: unknown[]) => {
    const plain = await db.query(text, params)
    const answer = await kept.answer(text, params)
    assert.ok('raw' in answer, 'every column is of a type the main thread reads')
    assert.deepEqual(resultOf(answer).rows, plain.rows)
    return plain.rows as Array<Record<string, unknown>>
  }

  test('every type the main thread reads, nulls, empty and multi-byte text', async () => {
    const rows = await same(
      `SELECT $1::int8 AS small, $2::int8 AS big, $3::int4 AS i4, $4::int2 AS i2,
        $5::float8 AS f8, $6::float4 AS f4, $7::text AS t, $8::text AS empty, $9::text AS nothing,
        $10::boolean AS yes, $11::boolean AS no, $12::jsonb AS doc, $13::json AS j,
        $14::uuid AS id, $15::varchar AS vc, $16::timestamptz AS at, $17::date AS day,
        $18::timestamp AS local, 'infinity'::timestamptz AS later, '-infinity'::timestamptz AS sooner,
        'x'::name AS nm, 'y'::char AS ch, 42::oid AS o`,
      [
        -7,
        '9223372036854775807',
        2147483647,
        -32768,
        1.5e300,
        0.25,
        'héllo, 世界 👋',
        '',
        null,
        true,
        false,
        JSON.stringify({ k: [1, 'two', null], deep: { x: 'é' } }),
        '[1, 2]',
        '0192f0c4-7c1e-7b6a-9d2e-3f4a5b6c7d8e',
        'chars',
        new Date('2026-01-02T03:04:05.678Z'),
        '2026-02-03',
        '2026-02-03 04:05:06.789',
      ],
    )
    assert.equal(typeof rows[0]?.big, 'bigint')
    assert.equal(rows[0]?.small, -7)
  })

  test('timestamps with every fraction length, in UTC and at another offset', async () => {
    const text = `SELECT t FROM (SELECT timestamptz '2026-03-04 05:06:07+00'
      + make_interval(secs => g * 86400.123457 + (g % 7) * 0.1) AS t
      FROM generate_series(-400000, 400000, 997) g) s WHERE t > $1 ORDER BY t`
    const rows = await same(text, [new Date('1000-01-01T00:00:00Z')])
    assert.ok(rows.length > 700)
    // Another offset (since 1990: before, local mean times print offsets with seconds, which
    // neither reader takes) goes to the general parser.
    await db.query(`SET TimeZone = 'Asia/Kolkata'`)
    try {
      assert.ok((await same(text, [new Date('1990-01-01T00:00:00Z')])).length > 100)
    } finally {
      await db.query(`SET TimeZone = 'UTC'`)
    }
  })

  test('an answer larger than one chunk, and one with no rows', async () => {
    const rows = await same(
      `SELECT g AS n, repeat(md5(g::text), $1::int) AS filler FROM generate_series(1, 5000) g`,
      [40],
    )
    assert.equal(rows.length, 5000)
    await same('SELECT 1 AS n WHERE $1::boolean', [false])
  })

  test('a column of a type only PGlite reads: its rows come from the worker', async () => {
    const text = 'SELECT $1::text[] AS arr, $2::numeric AS num'
    const answer = await kept.answer(text, [['a', 'b,c'], '1.50'])
    assert.ok(!('raw' in answer))
    assert.deepEqual(answer.rows, (await db.query(text, [['a', 'b,c'], '1.50'])).rows)
  })
})

// Every statement with parameters is kept, but only those allowed a generic plan (the badge
// counts) may reuse one; the rest are planned for their values, as unkept ones were.
describe('PGlite plans of kept statements', () => {
  let db: PGlite
  let kept: ReturnType<typeof readRows>
  const show = async () =>
    (await db.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows[0]?.plan_cache_mode
  before(async () => {
    db = new PGlite()
    kept = readRows(preparedStatements(db))
    await db.exec(`CREATE TABLE skew (id int8 PRIMARY KEY, owner text NOT NULL);
      INSERT INTO skew SELECT g, CASE WHEN g % 100 = 0 THEN 'few' ELSE 'many' END
        FROM generate_series(1, 2000) g;
      ANALYZE skew`)
  })
  after(async () => {
    await db.close()
  })

  test('planned for their values run after run, unless a generic plan is allowed', async () => {
    // A key lookup's generic plan costs what its custom plans do: PostgreSQL takes it when allowed.
    const each = 'SELECT owner FROM skew WHERE id = $1'
    const shared = 'SELECT owner AS o FROM skew WHERE id = $1'
    for (let i = 0; i < 8; i++) {
      assert.deepEqual((await kept.query(each, [100])).rows, [{ owner: 'few' }])
      assert.deepEqual((await kept.query(shared, [100], true)).rows, [{ o: 'few' }])
    }
    assert.deepEqual(await plans((q) => db.query(q), each), { custom: 8, generic: 0 })
    const reused = await plans((q) => db.query(q), shared)
    assert.ok(reused && reused.generic > 0, `generic plans: ${JSON.stringify(reused)}`)
  })

  test('a rollback that undid the plan setting: the next run sets it again', async () => {
    const text = 'SELECT id FROM skew WHERE id = $1'
    await kept.query(text, [1])
    assert.equal(await show(), 'force_custom_plan')
    await db.query('BEGIN')
    await kept.query(text, [2], true)
    assert.equal(await show(), 'auto')
    await db.query('ROLLBACK')
    kept.forgetPlanMode()
    // The SET inside the transaction was undone with it.
    assert.equal(await show(), 'force_custom_plan')
    await kept.query(text, [3], true)
    assert.equal(await show(), 'auto')
  })
})

// The embedded store's worker runs every statement with parameters as a kept statement, not
// only those marked `keep`.
describe('PGlite store: statements with parameters are kept', () => {
  test('an ordinary statement is parsed once and planned for its values each run', async () => {
    const { openStorage } = await import('../../src/storage/db.ts')
    const storage = await openStorage({ url: 'memory://' })
    try {
      const text = 'select $1::int8 + 1 as v'
      for (let i = 0; i < 7; i++) {
        const { rows } = await storage.db.executeQuery({
          sql: text,
          parameters: [i],
          query: { kind: 'RawNode' },
          queryId: { queryId: `probe${i}` },
        } as never)
        assert.deepEqual(rows, [{ v: i + 1 }])
      }
      const run = async (q: string) => sql.raw<unknown>(q).execute(storage.db)
      assert.deepEqual(await plans(run, text), { custom: 7, generic: 0 })
    } finally {
      await storage.close()
    }
  })

  test('a transaction rolled back: the plan setting it undid is set again', async () => {
    const { openStorage } = await import('../../src/storage/db.ts')
    const { template } = await import('../../src/storage/compiled.ts')
    const storage = await openStorage({ url: 'memory://' })
    const { db } = storage
    const mode = async (on: typeof db = db) =>
      (await sql.raw<{ plan_cache_mode: string }>('SHOW plan_cache_mode').execute(on)).rows[0]
        ?.plan_cache_mode
    const generic = template((m) => db.selectNoFrom(sql<number>`${m.limit}::int8`.as('v')), true)
    try {
      await sql`select ${1}::int8 as v`.execute(db)
      assert.equal(await mode(), 'force_custom_plan')
      await assert.rejects(
        db.transaction().execute(async (tx) => {
          await tx.executeQuery(generic({ limit: 2 }))
          assert.equal(await mode(tx), 'auto')
          throw new Error('undo')
        }),
        /undo/,
      )
      assert.equal(await mode(), 'force_custom_plan')
      await db.executeQuery(generic({ limit: 3 }))
      assert.equal(await mode(), 'auto')
    } finally {
      await storage.close()
    }
  })
})
