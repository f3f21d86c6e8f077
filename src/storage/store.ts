import { type Kysely, sql } from 'kysely'
import { HeraldError } from '../core/errors.ts'
import type { Store } from '../core/store.ts'
import * as broadcasts from './broadcast-store.ts'
import { asUnavailable } from './faults.ts'
import * as notifications from './notification-store.ts'
import * as preferences from './preference-store.ts'
import { markAllRead } from './read-mark-store.ts'
import * as retention from './retention-store.ts'
import * as schedules from './schedule-store.ts'
import type { Database } from './schema.ts'
import { createSendQueue } from './send-queue.ts'
import { send } from './send-store.ts'
import * as users from './user-store.ts'

// Said in our own words: the database's message can quote the stored value or name its types
// and encodings, and its text must never reach a client.
const REASONS: Partial<Record<string, string>> = {
  '22001': 'a value is too long',
  '22003': 'a number is out of range',
  '22007': 'a date or time is not valid',
  '22008': 'a date or time is out of range',
  '22021': 'text contains a byte sequence that cannot be stored, such as a NUL character',
  '22P02': 'a value is not in the expected format',
  '22P05': 'text contains a character that cannot be stored, such as a NUL character',
}

/**
 * A value the database refuses as data (SQLSTATE class 22: a NUL byte in text, a number out of
 * range, a malformed UUID) came from a request, so it is the caller's error, never a 500.
 */
function asValidation(err: unknown): unknown {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined
  if (typeof code !== 'string' || !code.startsWith('22')) return err
  const reason = REASONS[code]
  return new HeraldError(
    'VALIDATION',
    'a value in the request cannot be stored or compared',
    reason === undefined ? undefined : { reason },
  )
}

/**
 * `fn`, with data errors reported as validation errors and a lost or stalled database as
 * UNAVAILABLE, so no surface ever sees a raw driver error.
 */
export const guard =
  <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
  async (...args: A): Promise<R> => {
    try {
      return await fn(...args)
    } catch (err) {
      throw asValidation(asUnavailable(err))
    }
  }

/** What the SQL store bounds. */
export interface SqlStoreOptions {
  /**
   * Newest notifications of an inbox a filter on a message's content looks at (0: all of them;
   * HERALD_CONTENT_FILTER_WINDOW).
   */
  contentWindow?: number
}

/** The SQL implementation of core's Store, the same on PGlite and PostgreSQL. */
export function createSqlStore(db: Kysely<Database>, options: SqlStoreOptions = {}): Store {
  const window = options.contentWindow ?? 0
  // A storage function on this database, guarded: every method of the store is one.
  const on = <A extends unknown[], R>(fn: (db: Kysely<Database>, ...args: A) => Promise<R>) =>
    guard((...args: A) => fn(db, ...args))
  const queued = createSendQueue(db)
  return {
    ensureTenant: guard(async (id, name = null) => {
      await db
        .insertInto('tenants')
        .values({ id, name })
        .onConflict((oc) => oc.doNothing())
        .execute()
    }),
    tenantExists: guard(async (id) => {
      const row = await db
        .selectFrom('tenants')
        .select('id')
        .where('id', '=', id)
        .executeTakeFirst()
      return row !== undefined
    }),
    upsertUser: on(users.upsertUser),
    getUser: on(users.getUser),
    findUserByUsername: on(users.findUserByUsername),
    deleteUser: on(users.deleteUser),
    deletedUsers: on(users.deletedUsers),
    listUsers: on(users.listUsers),
    setSubscriptions: on(users.setSubscriptions),
    listSubscribers: guard(async (tenantId, topic) => {
      const rows = await db
        .selectFrom('topic_subscriptions')
        .select('user_id')
        .where('tenant_id', '=', tenantId)
        .where('topic', '=', topic)
        .orderBy('user_id')
        .execute()
      return rows.map((r) => r.user_id)
    }),
    send: guard((s, idem) => send(db, s, idem, queued)),
    findIdempotent: guard(async (tenantId, key) => {
      const row = await db
        .selectFrom('idempotency_keys')
        .select(['request_hash', 'response'])
        .where('tenant_id', '=', tenantId)
        .where('key', '=', key)
        .executeTakeFirst()
      return row ? { hash: row.request_hash, response: row.response } : null
    }),
    list: guard((scope, filter, sort, page) =>
      notifications.list(db, scope, filter, sort, page, window),
    ),
    findOne: on(notifications.findOne),
    owners: on(notifications.owners),
    since: on(notifications.since),
    messageContent: on(notifications.messageContent),
    countSince: on(notifications.countSince),
    latestSeq: on(notifications.latestSeq),
    latestBroadcast: on(broadcasts.latestBroadcast),
    catchUpBroadcasts: on(broadcasts.catchUp),
    count: guard((scope, filters, cap) => notifications.count(db, scope, filters, cap, window)),
    countByType: guard((scope, filter) => notifications.countByType(db, scope, filter, window)),
    update: on(notifications.update),
    remove: on(notifications.remove),
    markAllRead: on(markAllRead),
    getCheckpoint: on(users.getCheckpoint),
    setCheckpoint: on(users.setCheckpoint),
    schedule: on(schedules.schedule),
    findScheduled: on(schedules.findScheduled),
    listScheduled: on(schedules.listScheduled),
    cancelScheduled: on(schedules.cancelScheduled),
    // The delivery runs on a store bound to the claiming transaction.
    deliverDue: guard((now, deliver) => schedules.deliverDue(db, now, deliver, createSqlStore)),
    failScheduled: on(schedules.failScheduled),
    isKnownUser: on(preferences.isKnownUser),
    getTenantPreferences: on(preferences.getTenantPreferences),
    setTenantPreferences: on(preferences.setTenantPreferences),
    getUserPreferences: on(preferences.getUserPreferences),
    setUserPreferences: on(preferences.setUserPreferences),
    getRetention: on(retention.getRetention),
    setRetention: on(retention.setRetention),
    purge: on(retention.purge),
    ping: guard(async () => {
      await sql`SELECT 1`.execute(db)
    }),
  }
}
