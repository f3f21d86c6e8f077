import type { ColumnType, Generated } from 'kysely'
import type { NotificationAction } from '../core/notification.ts'

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | null>

export interface TenantsTable {
  id: string
  name: string | null
  created_at: Timestamp
  /** The last stream event number handed out in this tenant (see migration 0003). */
  event_seq: Generated<number>
}

export interface UsersTable {
  tenant_id: string
  id: string
  username: string | null
  display_name: string | null
  first_name: string | null
  last_name: string | null
  avatar_url: string | null
  email: string | null
  admin: Generated<boolean>
  disabled: Generated<boolean>
  permissions: ColumnType<string[], string | undefined, string>
  created_at: Timestamp
  updated_at: Timestamp
}

export interface ApiKeysTable {
  id: string
  tenant_id: string
  hash: string
  name: string | null
  created_at: Timestamp
}

export interface CheckpointsTable {
  tenant_id: string
  user_id: string
  at: Timestamp
  unread_count: Generated<number>
}

export interface TopicSubscriptionsTable {
  tenant_id: string
  topic: string
  user_id: string
  created_at: Timestamp
}

type RefColumns<P extends string> = {
  [K in `${P}_${'id' | 'type' | 'title' | 'key' | 'label'}`]: string | null
}

export type MessagesTable = {
  tenant_id: string
  id: Generated<number>
  type: string
  title: string
  body: string
  link: string | null
  source: string | null
  actor_id: string | null
  actor_username: string | null
  actor_display_name: string | null
  actor_first_name: string | null
  actor_last_name: string | null
  actor_avatar_url: string | null
  data: ColumnType<Record<string, unknown> | null, string | null, string | null>
  /** Action buttons (migration 0009); null when it has none. */
  actions: ColumnType<NotificationAction[] | null, string | null | undefined, string | null>
  important: boolean
  mention: boolean
  automated: boolean
  created_at: Timestamp
} & RefColumns<'project'> &
  RefColumns<'target'> &
  RefColumns<'parent'> &
  RefColumns<'root'>

export interface NotificationsTable {
  tenant_id: string
  id: Generated<number>
  uuid: Generated<string>
  recipient_id: string
  message_id: number
  type: string
  created_at: Timestamp
  seen_at: NullableTimestamp
  read_at: NullableTimestamp
  archived_at: NullableTimestamp
  snoozed_until: NullableTimestamp
  expires_at: NullableTimestamp
  group_key: string | null
  activity_count: Generated<number>
  last_action_at: NullableTimestamp
  /** The send's event number in its tenant: commit order, what streams replay by. */
  seq: ColumnType<number | null, number | null | undefined, number | null>
}

export interface IdempotencyTable {
  tenant_id: string
  key: string
  request_hash: string
  response: ColumnType<unknown, string, string>
  created_at: Timestamp
}

/** A tenant's retention policy (migration 0008); no row: keep everything. */
export interface RetentionPoliciesTable {
  tenant_id: string
  read_days: number | null
  all_days: number | null
  updated_at: Timestamp
}

export interface Database {
  tenants: TenantsTable
  users: UsersTable
  api_keys: ApiKeysTable
  inbox_checkpoints: CheckpointsTable
  topic_subscriptions: TopicSubscriptionsTable
  messages: MessagesTable
  notifications: NotificationsTable
  idempotency_keys: IdempotencyTable
  retention_policies: RetentionPoliciesTable
}
