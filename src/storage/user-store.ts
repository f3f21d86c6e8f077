import { type Kysely, type Selectable, sql } from 'kysely'
import type { User } from '../core/notification.ts'
import type { Checkpoint, UserInput } from '../core/store.ts'
import type { Database, UsersTable } from './schema.ts'

const toUser = (r: Selectable<UsersTable>): User => ({
  tenantId: r.tenant_id,
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  firstName: r.first_name,
  lastName: r.last_name,
  avatarUrl: r.avatar_url,
  email: r.email,
  admin: r.admin,
  disabled: r.disabled,
  permissions: r.permissions,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

/** Creates the user or changes only the fields given; absent fields keep their value. */
export async function upsertUser(db: Kysely<Database>, u: UserInput): Promise<User> {
  const fields = {
    username: u.username,
    display_name: u.displayName,
    first_name: u.firstName,
    last_name: u.lastName,
    avatar_url: u.avatarUrl,
    email: u.email,
    admin: u.admin,
    disabled: u.disabled,
    permissions: u.permissions === undefined ? undefined : JSON.stringify(u.permissions),
  }
  // Kysely leaves out undefined values, in the insert and in the update alike.
  const row = await db
    .insertInto('users')
    .values({ tenant_id: u.tenantId, id: u.id, ...fields })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'id']).doUpdateSet({ ...fields, updated_at: sql`now()` }),
    )
    .returningAll()
    .executeTakeFirstOrThrow()
  return toUser(row)
}

export async function getUser(db: Kysely<Database>, tenantId: string, id: string) {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row ? toUser(row) : null
}

export async function findUserByUsername(db: Kysely<Database>, tenantId: string, name: string) {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where(sql`lower(username)`, '=', name.trim().toLowerCase())
    .orderBy('id')
    .executeTakeFirst()
  return row ? toUser(row) : null
}

export async function listUsers(
  db: Kysely<Database>,
  tenantId: string,
  after: string | null,
  limit: number,
) {
  let q = db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId)
  if (after !== null) q = q.where('id', '>', after)
  const rows = await q.orderBy('id').limit(limit).execute()
  return rows.map(toUser)
}

export async function deleteUser(db: Kysely<Database>, tenantId: string, id: string) {
  return db.transaction().execute(async (tx) => {
    await tx
      .deleteFrom('notifications')
      .where('tenant_id', '=', tenantId)
      .where('recipient_id', '=', id)
      .execute()
    await tx
      .deleteFrom('inbox_checkpoints')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', id)
      .execute()
    await tx
      .deleteFrom('read_marks')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', id)
      .execute()
    await tx
      .deleteFrom('topic_subscriptions')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', id)
      .execute()
    await tx
      .deleteFrom('user_preferences')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', id)
      .execute()
    await tx
      .deleteFrom('broadcast_cursors')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', id)
      .execute()
    // No longer one of the tenant's users: a send to the whole tenant leaves them out.
    const past = await tx
      .deleteFrom('recipients')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', id)
      .executeTakeFirst()
    const res = await tx
      .deleteFrom('users')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst()
    const deleted = Number(res.numDeletedRows) + Number(past.numDeletedRows) > 0
    // Remembered so a surface whose actors vanish with their user (Kendo) can tell; the messages
    // keep their snapshot for the others. A second deletion moves the time on.
    if (deleted) {
      await tx
        .insertInto('deleted_users')
        .values({ tenant_id: tenantId, user_id: id, deleted_at: sql`now()` })
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'user_id']).doUpdateSet({ deleted_at: sql`now()` }),
        )
        .execute()
    }
    return deleted
  })
}

/** When each of these users was last deleted, for those that were; by key, one statement. */
export async function deletedUsers(
  db: Kysely<Database>,
  tenantId: string,
  ids: string[],
): Promise<Map<string, Date>> {
  if (ids.length === 0) return new Map()
  const rows = await db
    .selectFrom('deleted_users')
    .select(['user_id', 'deleted_at'])
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', sql<string>`ANY(${ids}::text[])`)
    .execute()
  return new Map(rows.map((r) => [r.user_id, r.deleted_at]))
}

export async function getCheckpoint(db: Kysely<Database>, tenantId: string, userId: string) {
  const row = await db
    .selectFrom('inbox_checkpoints')
    .select('at')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return row ? { at: row.at } : null
}

export async function setCheckpoint(
  db: Kysely<Database>,
  tenantId: string,
  userId: string,
  at: Date,
  mode: 'upsert' | 'insert' | 'update',
): Promise<Checkpoint | null> {
  if (mode === 'update') {
    const row = await db
      .updateTable('inbox_checkpoints')
      .set({ at })
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .returning('at')
      .executeTakeFirst()
    return row ? { at: row.at } : null
  }
  await db
    .insertInto('inbox_checkpoints')
    .values({ tenant_id: tenantId, user_id: userId, at })
    .onConflict((oc) =>
      mode === 'insert'
        ? oc.columns(['tenant_id', 'user_id']).doNothing()
        : oc.columns(['tenant_id', 'user_id']).doUpdateSet({ at }),
    )
    .execute()
  return getCheckpoint(db, tenantId, userId)
}

export async function setSubscriptions(
  db: Kysely<Database>,
  tenantId: string,
  topic: string,
  add: string[],
  remove: string[],
) {
  await db.transaction().execute(async (tx) => {
    if (add.length > 0) {
      await tx
        .insertInto('topic_subscriptions')
        .values(add.map((user_id) => ({ tenant_id: tenantId, topic, user_id })))
        .onConflict((oc) => oc.doNothing())
        .execute()
    }
    if (remove.length > 0) {
      await tx
        .deleteFrom('topic_subscriptions')
        .where('tenant_id', '=', tenantId)
        .where('topic', '=', topic)
        .where('user_id', 'in', remove)
        .execute()
    }
  })
}
