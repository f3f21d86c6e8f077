import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import pg from 'pg'
import { timestamptzParser } from '../../src/storage/pg-timestamp.ts'
import { describeEngines } from '../support/harness.ts'

// pg's own parser for timestamptz (postgres-date), which the fast one must agree with.
const pgParse = pg.types.getTypeParser(1184, 'text') as (s: string) => Date

/** A timestamptz as PostgreSQL prints it in UTC: the fraction's trailing zeros dropped. */
const printed = (ms: number, micros: number): string => {
  const fraction = String(micros).padStart(6, '0').replace(/0+$/, '')
  const base = new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
  return `${base}${fraction ? `.${fraction}` : ''}+00`
}

test('the fast timestamptz parser gives the Date pg gives, to the millisecond', () => {
  const fallback = (s: string) => {
    throw new Error(`fell back on ${s}`)
  }
  const parse = timestamptzParser(fallback)
  let seed = 12345
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed
  }
  const cases: string[] = [
    '2026-12-07 17:43:50+00',
    '2026-12-07 17:43:50.1+00',
    '2026-12-07 17:43:50.999999+00',
    '2026-12-07 17:43:50.000001+00',
    '1000-01-01 00:00:00+00',
    '9999-12-31 23:59:59.999999+00',
    '2024-02-29 12:00:00.5+00',
  ]
  for (let i = 0; i < 5_000; i++) {
    // Seconds between 1970 and about 2038, every fraction length from none to six digits.
    const micros = next() % 1_000_000
    const digits = i % 7
    const kept = digits === 0 ? 0 : Math.floor(micros / 10 ** (6 - digits)) * 10 ** (6 - digits)
    cases.push(printed(next() * 1000, kept))
  }
  for (const s of cases) {
    const got = parse(s) as Date
    assert.ok(got instanceof Date, s)
    assert.equal(got.getTime(), pgParse(s).getTime(), s)
    assert.equal(got.toISOString(), pgParse(s).toISOString(), s)
  }
})

test('whatever is not UTC in years 1000-9999 goes to the fallback, unread', () => {
  const seen: string[] = []
  const parse = timestamptzParser((s) => {
    seen.push(s)
    return pgParse(s)
  })
  const others = [
    '2026-12-07 18:43:50.123+01',
    '2026-12-07 12:13:50.123-05:30',
    '2026-12-07 17:43:50+00:00:10',
    '0099-01-01 00:00:00+00',
    '0999-12-31 23:59:59.5+00',
    '12026-01-01 00:00:00+00',
    '2026-01-01 00:00:00+00 BC',
    'infinity',
    '-infinity',
  ]
  for (const s of others) {
    assert.deepEqual(parse(s), pgParse(s), s)
  }
  assert.deepEqual(seen, others)
})

describeEngines('timestamps read from the store', (get) => {
  test('come back as the instants stored, fraction and all', async () => {
    const { db } = get().storage
    const texts = [
      '2026-12-07 17:43:50+00',
      '2026-12-07 17:43:50.123456+00',
      '2026-12-07 17:43:50.1+00',
      '2026-12-07 19:43:50.9999+02',
      '1999-12-31 23:59:59.999+00',
    ]
    for (const t of texts) {
      const { rows } = await sql<{ at: Date; ms: number }>`SELECT ${t}::timestamptz AS at,
        floor(extract(epoch FROM ${t}::timestamptz) * 1000)::float8 AS ms`.execute(db)
      const [row] = rows
      assert.ok(row?.at instanceof Date, t)
      assert.equal(row.at.getTime(), Number(row.ms), t)
    }
  })
})
