import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely'
import { unseenIndex } from './0002-unseen-index.ts'
import { eventOrder } from './0003-event-order.ts'
import { cleanupIndexes } from './0004-cleanup-indexes.ts'
import { apiKeyLifecycle } from './0005-api-key-lifecycle.ts'
import { preferences } from './0006-preferences.ts'
import { scheduledSends } from './0007-scheduled-sends.ts'
import { retention } from './0008-retention.ts'
import { actions } from './0009-actions.ts'
import { webhooks } from './0010-webhooks.ts'
import { deletedUsers } from './0011-deleted-users.ts'
import { orderedUuids } from './0012-ordered-uuids.ts'
import { broadcasts } from './0013-broadcasts.ts'
import { readWatermark } from './0014-read-watermark.ts'
import { readUnseenIndex } from './0015-read-unseen-index.ts'

/**
 * One migration set for both engines. Every key and index holding per-user data leads with the
 * tenant, then the recipient, so the schema can be distributed by tenant later without a rewrite.
 * Statements are run one at a time: both drivers then use the same (extended) protocol.
 */
const statements = (list: string[]): Migration => ({
  async up(db: Kysely<unknown>) {
    for (const text of list) await sql.raw(text).execute(db)
  },
})

const initial = statements([
  `CREATE TABLE tenants (
    id text PRIMARY KEY,
    name text,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE users (
    tenant_id text NOT NULL,
    id text NOT NULL,
    username text,
    display_name text,
    first_name text,
    last_name text,
    avatar_url text,
    email text,
    admin boolean NOT NULL DEFAULT false,
    disabled boolean NOT NULL DEFAULT false,
    permissions jsonb NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
  )`,
  'CREATE INDEX users_username ON users (tenant_id, lower(username))',
  `CREATE TABLE api_keys (
    id text PRIMARY KEY,
    tenant_id text NOT NULL,
    hash text NOT NULL,
    name text,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE inbox_checkpoints (
    tenant_id text NOT NULL,
    user_id text NOT NULL,
    at timestamptz NOT NULL,
    unread_count integer NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, user_id)
  )`,
  `CREATE TABLE topic_subscriptions (
    tenant_id text NOT NULL,
    topic text NOT NULL,
    user_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, topic, user_id)
  )`,
  // The content of a send, stored once however many recipients it has.
  `CREATE TABLE messages (
    tenant_id text NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    type text NOT NULL,
    title text NOT NULL,
    body text NOT NULL DEFAULT '',
    link text,
    source text,
    actor_id text,
    actor_username text,
    actor_display_name text,
    actor_first_name text,
    actor_last_name text,
    actor_avatar_url text,
    project_id text, project_type text, project_title text, project_key text, project_label text,
    target_id text, target_type text, target_title text, target_key text, target_label text,
    parent_id text, parent_type text, parent_title text, parent_key text, parent_label text,
    root_id text, root_type text, root_title text, root_key text, root_label text,
    data jsonb,
    important boolean NOT NULL DEFAULT false,
    mention boolean NOT NULL DEFAULT false,
    automated boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
  )`,
  // One thin row per recipient: the recipient's state, and the few columns every list sorts or
  // filters on without a join (type, created_at, expiry).
  `CREATE TABLE notifications (
    tenant_id text NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    uuid uuid NOT NULL DEFAULT gen_random_uuid(),
    recipient_id text NOT NULL,
    message_id bigint NOT NULL,
    type text NOT NULL,
    created_at timestamptz NOT NULL,
    seen_at timestamptz,
    read_at timestamptz,
    archived_at timestamptz,
    snoozed_until timestamptz,
    expires_at timestamptz,
    group_key text,
    activity_count integer NOT NULL DEFAULT 1,
    last_action_at timestamptz,
    PRIMARY KEY (tenant_id, id)
  )`,
  'CREATE UNIQUE INDEX notifications_uuid ON notifications (tenant_id, uuid)',
  `CREATE INDEX notifications_inbox
    ON notifications (tenant_id, recipient_id, created_at DESC, id DESC)`,
  `CREATE INDEX notifications_unread
    ON notifications (tenant_id, recipient_id, created_at DESC, id DESC)
    WHERE read_at IS NULL AND archived_at IS NULL`,
  `CREATE UNIQUE INDEX notifications_group
    ON notifications (tenant_id, recipient_id, group_key) WHERE group_key IS NOT NULL`,
  `CREATE TABLE idempotency_keys (
    tenant_id text NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    response jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, key)
  )`,
])

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return {
      '0001_initial': initial,
      '0002_unseen_index': unseenIndex,
      '0003_event_order': eventOrder,
      '0004_cleanup_indexes': cleanupIndexes,
      '0005_api_key_lifecycle': apiKeyLifecycle,
      '0011_deleted_users': deletedUsers,
      '0010_webhooks': webhooks,
      '0007_scheduled_sends': scheduledSends,
      '0006_preferences': preferences,
      '0008_retention': retention,
      '0009_actions': actions,
      '0012_ordered_uuids': orderedUuids,
      '0013_broadcasts': broadcasts,
      '0014_read_watermark': readWatermark,
      '0015_read_unseen_index': readUnseenIndex,
    }
  },
}
