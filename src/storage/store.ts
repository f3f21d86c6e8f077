import { type Kysely, sql } from 'kysely'
import { HeraldError } from '../core/errors.ts'
import type { Store } from '../core/store.ts'
import * as notifications from './notification-store.ts'
import type { Database } from './schema.ts'
import { send } from './send-store.ts'
import * as users from './user-store.ts'

/**
 * A value the database refuses as data (SQLSTATE class 22: a NUL byte in text, a number out of
 * range, a malformed UUID) came from a request, so it is the caller's error, never a 500.
 */
function asValidation(err: unknown): unknown {
  const code = (err as { code?: unknown }).code
  if (typeof code !== 'string' || !code.startsWith('22')) return err
  return new HeraldError('VALIDATION', 'a value in the request cannot be stored or compared', {
    reason: (err as Error).message,
  })
}

/** Every store method, with data errors reported as validation errors. */
function guarded(store: Store): Store {
  const out: Record<string, unknown> = {}
  for (const [name, fn] of Object.entries(store)) {
    out[name] = (...args: unknown[]) =>
      (fn as (...a: unknown[]) => Promise<unknown>)(...args).catch((err: unknown) => {
        throw asValidation(err)
      })
  }
  return out as unknown as Store
}

/** The SQL implementation of core's Store, the same on PGlite and PostgreSQL. */
export function createSqlStore(db: Kysely<Database>): Store {
  return guarded(sqlStore(db))
}

function sqlStore(db: Kysely<Database>): Store {
  return {
    async ensureTenant(id, name = null) {
      await db
        .insertInto('tenants')
        .values({ id, name })
        .onConflict((oc) => oc.doNothing())
        .execute()
    },
    async tenantExists(id) {
      const row = await db
        .selectFrom('tenants')
        .select('id')
        .where('id', '=', id)
        .executeTakeFirst()
      return row !== undefined
    },
    upsertUser: (u) => users.upsertUser(db, u),
    getUser: (t, id) => users.getUser(db, t, id),
    findUserByUsername: (t, name) => users.findUserByUsername(db, t, name),
    deleteUser: (t, id) => users.deleteUser(db, t, id),
    listUsers: (t, after, limit) => users.listUsers(db, t, after, limit),
    setSubscriptions: (t, topic, add, remove) => users.setSubscriptions(db, t, topic, add, remove),
    async listSubscribers(tenantId, topic) {
      const rows = await db
        .selectFrom('topic_subscriptions')
        .select('user_id')
        .where('tenant_id', '=', tenantId)
        .where('topic', '=', topic)
        .orderBy('user_id')
        .execute()
      return rows.map((r) => r.user_id)
    },
    send: (input, idem) => send(db, input, idem),
    async findIdempotent(tenantId, key) {
      const row = await db
        .selectFrom('idempotency_keys')
        .select(['request_hash', 'response'])
        .where('tenant_id', '=', tenantId)
        .where('key', '=', key)
        .executeTakeFirst()
      return row ? { hash: row.request_hash, response: row.response } : null
    },
    list: (scope, filter, sort, page) => notifications.list(db, scope, filter, sort, page),
    findOne: (t, id) => notifications.findOne(db, t, id),
    owners: (t, ids, now) => notifications.owners(db, t, ids, now),
    count: (scope, filters, cap) => notifications.count(db, scope, filters, cap),
    countByType: (scope, filter) => notifications.countByType(db, scope, filter),
    update: (scope, change, filter) => notifications.update(db, scope, change, filter),
    remove: (scope, filter) => notifications.remove(db, scope, filter),
    getCheckpoint: (t, u) => users.getCheckpoint(db, t, u),
    setCheckpoint: (t, u, at, mode) => users.setCheckpoint(db, t, u, at, mode),
    async ping() {
      await sql`SELECT 1`.execute(db)
    },
  }
}
