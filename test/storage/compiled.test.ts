import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
} from 'kysely'
import { template } from '../../src/storage/compiled.ts'
import type { Database } from '../../src/storage/schema.ts'

// A statement compiled once, each call filling in its own values (compiled.ts). Built on a
// database that never runs anything: only the compiled text and parameters are looked at.
const db = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
})

test("a template's list of ids is each call's own, the statement's text the same", () => {
  const one = template((m) =>
    db
      .selectFrom('notifications as n')
      .select('n.id')
      .where('n.tenant_id', '=', m.tenantId)
      .where(sql<boolean>`n.id = ANY(${m.ids}::bigint[])`),
  )
  const a = one({ tenantId: 't1', ids: [7] })
  const b = one({ tenantId: 't2', ids: [8, 9] })
  assert.equal(a.sql, b.sql)
  assert.deepEqual(a.parameters, ['t1', [7]])
  assert.deepEqual(b.parameters, ['t2', [8, 9]])
  assert.throws(() => one({ tenantId: 't1' }), /ids was not given/)
})

test('a list of ids copied on its way to a parameter is refused, not baked into the statement', () => {
  assert.throws(
    () =>
      template((m) =>
        db
          .selectFrom('notifications as n')
          .select('n.id')
          .where(sql<boolean>`n.id = ANY(${[...m.ids]}::bigint[])`),
      ),
    /a marker changed on its way/,
  )
})
