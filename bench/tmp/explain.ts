import { sql } from 'kysely'
import { and, conditions, orderBy } from '../../src/storage/filter-sql.ts'
import { selectNotifications, source } from '../../src/storage/notification-row.ts'
import { HEAVY_USER, seed, TENANT } from '../seed.ts'
import { startServer } from '../server.ts'
const engine = (process.argv[2] ?? 'postgres') as 'postgres' | 'pglite'
const s = await startServer(engine)
const db = s.herald.storage.db
await seed(db, { users: 1_000, heavy: 50_000, messages: 50_000, lo: 2, span: 20 })
const scope = { tenantId: TENANT, userId: HEAVY_USER, now: new Date() }
const f = { actorUsernameLike: `%${'x'.repeat(256)}%` }
const sort = { field: 'createdAt', direction: 'desc' } as const
const q = selectNotifications(db).where(and(conditions(scope, f))).orderBy(orderBy(sort)).limit(11)
const c = source(db, f).where(and(conditions(scope, f))).select((eb) => eb.fn.countAll<number>().as('c'))
for (const [name, query] of [['list', q], ['count', c]] as const) {
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now()
    await query.execute()
    console.log(name, (performance.now() - t0).toFixed(1), 'ms')
  }
  const plan = await query.explain(undefined, sql`analyze`)
  console.log(plan.map((r) => Object.values(r)[0]).join('\n'))
}
await s.close()
