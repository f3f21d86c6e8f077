import type { ColumnType, Generated } from 'kysely'
import type { NotificationAction } from '../core/notification.ts'
import type { ScheduleStatus } from '../core/store.ts'

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
  /** Set on a verification at most once a minute (migration 0005). */
  last_used_at: NullableTimestamp
  /** A key rotated out works until then; null until it is rotated. */
  expires_at: NullableTimestamp
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
  /**
   * The send's event number in its tenant: commit order, what streams replay by and what the
   * read mark covers; 0 for rows from before migration 0003 (and fixtures that give none).
   */
  seq: ColumnType<number, number | undefined, number>
  /** The broadcast this row was copied from (migration 0013); null for an ordinary send. */
  broadcast_seq: ColumnType<number | null, number | null | undefined, number | null>
  /** Its own read_at/seen_at decide even at or below the user's read mark (migration 0014). */
  own_state: Generated<boolean>
}

/** Each user's "read up to" mark: the tenant's event number when they marked all read, and when. */
export interface ReadMarksTable {
  tenant_id: string
  user_id: string
  up_to: number
  at: Timestamp
}

export interface IdempotencyTable {
  tenant_id: string
  key: string
  request_hash: string
  response: ColumnType<unknown, string, string>
  created_at: Timestamp
}

/** When a user was deleted: what Kendo's actor reads (see migration 0011). */
export interface DeletedUsersTable {
  tenant_id: string
  user_id: string
  deleted_at: Timestamp
}

export interface WebhookEndpointsTable {
  tenant_id: string
  id: string
  url: string
  description: string | null
  events: string[]
  enabled: ColumnType<boolean, boolean | undefined, boolean>
  secret: string
  created_at: Timestamp
  updated_at: Timestamp
}

export interface WebhookDeliveriesTable {
  tenant_id: string
  id: Generated<number>
  /** The `webhook-id` header: the same on every attempt of the delivery. */
  message_id: Generated<string>
  endpoint_id: string
  event_type: string
  /** The exact body sent (and signed), kept as text so its bytes never change between attempts. */
  payload: string
  status: ColumnType<'pending' | 'delivered' | 'failed', 'pending' | undefined, string>
  attempts: Generated<number>
  last_status: number | null
  last_error: string | null
  last_attempt_at: NullableTimestamp
  next_attempt_at: NullableTimestamp
  delivered_at: NullableTimestamp
  created_at: Timestamp
}

export interface ScheduledSendsTable {
  tenant_id: string
  id: Generated<string>
  send_at: Timestamp
  status: ColumnType<ScheduleStatus, ScheduleStatus | undefined, ScheduleStatus>
  /** The validated request, as core's SendInput in JSON. */
  request: ColumnType<unknown, string, string>
  request_hash: string
  idempotency_key: string | null
  result: ColumnType<unknown, string | null | undefined, string | null>
  error: ColumnType<unknown, string | null | undefined, string | null>
  created_at: Timestamp
  finished_at: NullableTimestamp
}

export interface PreferenceCategoriesTable {
  tenant_id: string
  name: string
  types: string[]
  /** The category's default for the tenant; null when it has none. */
  in_app: boolean | null
}

export interface TenantPreferencesTable {
  tenant_id: string
  type: string
  in_app: boolean
}

export interface UserPreferencesTable {
  tenant_id: string
  user_id: string
  kind: 'type' | 'category'
  name: string
  in_app: boolean
}

export interface RecipientsTable {
  tenant_id: string
  user_id: string
  /** Since when they belong to the tenant's audience (migration 0013). */
  created_at: Timestamp
}

/** A send to a tenant or a topic, copied into each member's inbox on their next read (0013). */
export interface BroadcastsTable {
  tenant_id: string
  /** The send's event number in its tenant: commit order. */
  seq: number
  message_id: number
  /** Null: the whole tenant. */
  topic: string | null
  type: string
  critical: boolean
  /** Members who joined after this are not reached. */
  sent_at: Timestamp
  created_at: Timestamp
  seen_at: NullableTimestamp
  read_at: NullableTimestamp
  archived_at: NullableTimestamp
  snoozed_until: NullableTimestamp
  expires_at: NullableTimestamp
  last_action_at: NullableTimestamp
}

/** The last broadcast each user was given. */
export interface BroadcastCursorsTable {
  tenant_id: string
  user_id: string
  seq: number
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
  read_marks: ReadMarksTable
  topic_subscriptions: TopicSubscriptionsTable
  messages: MessagesTable
  notifications: NotificationsTable
  idempotency_keys: IdempotencyTable
  deleted_users: DeletedUsersTable
  webhook_endpoints: WebhookEndpointsTable
  webhook_deliveries: WebhookDeliveriesTable
  scheduled_sends: ScheduledSendsTable
  preference_categories: PreferenceCategoriesTable
  tenant_preferences: TenantPreferencesTable
  user_preferences: UserPreferencesTable
  recipients: RecipientsTable
  broadcasts: BroadcastsTable
  broadcast_cursors: BroadcastCursorsTable
  retention_policies: RetentionPoliciesTable
}
