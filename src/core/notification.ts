/** A reference to something a notification is about: a project, a task, an issue, a thread. */
export interface Ref {
  id: string
  type: string | null
  title: string | null
  /** A short human key such as `KD-0042`. */
  key: string | null
  /** A display label for the type, such as `task`. */
  label: string | null
}

/** Who caused the notification, as they were when it was sent. */
export interface Actor {
  id: string
  username: string | null
  displayName: string | null
  firstName: string | null
  lastName: string | null
  avatarUrl: string | null
}

/** A button on a notification: a link its recipient can follow from the inbox. */
export interface NotificationAction {
  label: string
  /** An http or https URL. */
  url: string
  style: 'primary' | 'secondary'
}

/** The content of a notification: stored once per send, shared by every recipient. */
export interface Content {
  type: string
  title: string
  body: string
  link: string | null
  source: string | null
  actor: Actor | null
  project: Ref | null
  target: Ref | null
  parent: Ref | null
  root: Ref | null
  data: Record<string, unknown> | null
  /** At most two buttons, at most one of them primary; empty when it has none. */
  actions: NotificationAction[]
  important: boolean
  mention: boolean
  automated: boolean
}

/** One recipient's copy of a notification, with that recipient's state. */
export interface Notification extends Content {
  id: number
  uuid: string
  tenantId: string
  recipientId: string
  createdAt: Date
  seenAt: Date | null
  readAt: Date | null
  archivedAt: Date | null
  snoozedUntil: Date | null
  expiresAt: Date | null
  groupKey: string | null
  activityCount: number
  lastActionAt: Date | null
  /** Its send's event number in the tenant (commit order); null for rows older than streams. */
  seq: number | null
}

export interface User {
  tenantId: string
  id: string
  username: string | null
  displayName: string | null
  firstName: string | null
  lastName: string | null
  avatarUrl: string | null
  email: string | null
  admin: boolean
  disabled: boolean
  permissions: string[]
  createdAt: Date
  updatedAt: Date
}

/** Who is calling: every credential form of every surface ends up as one of these. */
export interface Principal {
  /** The tenant it acts in: the credential's own, or the one a request chose among `tenants`. */
  tenantId: string
  /**
   * For a user token that names several tenants (its `tenants` claim): every tenant it may act in,
   * its own first. Absent: only `tenantId`. A request chooses one where its surface lets it (Ondi's
   * `tenant_id`, Productive's organization, the native `X-Herald-Tenant`); elsewhere it acts in its own.
   */
  tenants?: readonly string[]
  /** The user, for user credentials; null for a server API key. */
  userId: string | null
  roles: string[]
  scopes: string[]
  kind: 'user' | 'server'
  /** For a server API key: its id (what rate limits count by). */
  keyId?: string
}
