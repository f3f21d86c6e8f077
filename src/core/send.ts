import { createHash } from 'node:crypto'
import type { BroadcastCursors } from './broadcasts.ts'
import { HeraldError, invalid } from './errors.ts'
import type { EventBus } from './events.ts'
import type { Actor, Content, NotificationAction, Ref } from './notification.ts'
import type { Audience, SendResult, Store } from './store.ts'
import { webhookReporter } from './webhook-events.ts'
import type { WebhookSink } from './webhooks.ts'

/** Explicit recipients one send may name; larger audiences are topics or the whole tenant. */
export const MAX_RECIPIENTS = 50_000

/** Buttons one notification may carry, the length of a label and of a URL. */
export const MAX_ACTIONS = 2
export const MAX_ACTION_LABEL = 64
export const MAX_ACTION_URL = 2048

export interface SendInput {
  /** Exactly one of: explicit user ids, a topic's subscribers, every user of the tenant. */
  to: { users?: string[]; topic?: string; tenant?: boolean }
  type: string
  title: string
  body?: string
  link?: string | null
  source?: string | null
  actor?: Partial<Actor> & { id: string }
  project?: Partial<Ref> & { id: string }
  target?: Partial<Ref> & { id: string }
  parent?: Partial<Ref> & { id: string }
  root?: Partial<Ref> & { id: string }
  data?: Record<string, unknown> | null
  /** Up to two buttons (`MAX_ACTIONS`), at most one `primary`. */
  actions?: NotificationAction[]
  important?: boolean
  mention?: boolean
  automated?: boolean
  /** Back-dates the notification (history imports); defaults to now. */
  createdAt?: Date
  /** Initial state, for imports: a time, `true` for the send time, or absent. */
  read?: Date | boolean
  seen?: Date | boolean
  dismissed?: Date | boolean
  snoozedUntil?: Date | null
  expiresAt?: Date | null
  /** Folds the send into the recipient's notification of the same group, counting activity. */
  groupKey?: string | null
  lastActionAt?: Date | null
  /** Keep only this many newest notifications per recipient (a per-user cap). */
  keepLatest?: number | null
  /** Reaches every recipient, whatever they turned off (security notices, legal changes). */
  critical?: boolean
}

export interface SendOutcome extends SendResult {
  /** True when an earlier send with the same idempotency key answered this one. */
  replayed: boolean
  /** True when the send was stored once, as a broadcast each member's next read copies. */
  broadcast: boolean
  /** Set when the send reached nobody: why, for a person. */
  warning?: string
}

/** Why a send reached nobody, or undefined when it reached someone. */
function warningOf(audience: Audience, r: SendResult): string | undefined {
  if (r.recipients > 0) return undefined
  if (r.skipped > 0) {
    const who = r.skipped === 1 ? 'the recipient has' : `all ${r.skipped} recipients have`
    return `reached nobody: ${who} turned notifications of this type off`
  }
  if (audience.kind === 'topic')
    return `reached nobody: topic "${audience.topic}" has no subscribers`
  if (audience.kind === 'tenant') return 'reached nobody: the tenant has no users yet'
  return 'reached nobody'
}

const ref = (r: (Partial<Ref> & { id: string }) | undefined): Ref | null =>
  r
    ? {
        id: r.id,
        type: r.type ?? null,
        title: r.title ?? null,
        key: r.key ?? null,
        label: r.label ?? null,
      }
    : null

const actorOf = (a: SendInput['actor']): Actor | null =>
  a
    ? {
        id: a.id,
        username: a.username ?? null,
        displayName: a.displayName ?? null,
        firstName: a.firstName ?? null,
        lastName: a.lastName ?? null,
        avatarUrl: a.avatarUrl ?? null,
      }
    : null

function audienceOf(to: SendInput['to']): Audience {
  const given = [to.users !== undefined, to.topic !== undefined, to.tenant === true].filter(Boolean)
  if (given.length !== 1) throw invalid('to', 'name exactly one of users, topic or tenant')
  if (to.topic !== undefined) return { kind: 'topic', topic: to.topic }
  if (to.tenant) return { kind: 'tenant' }
  const ids = to.users ?? []
  if (ids.length === 0) throw invalid('to.users', 'name at least one recipient')
  if (ids.length > MAX_RECIPIENTS) {
    throw invalid('to.users', `at most ${MAX_RECIPIENTS} recipients per send; use a topic`)
  }
  return { kind: 'users', ids }
}

/** What a send needs beyond its schema, checked before anything is stored; its audience. */
export function checkSendInput(input: SendInput): Audience {
  const audience = audienceOf(input.to)
  if (input.title.trim() === '') throw invalid('title', 'must not be empty')
  if (input.type.trim() === '') throw invalid('type', 'must not be empty')
  // A scheduled send is refused now, not failed at its delivery time.
  actionsOf(input.actions)
  return audience
}

const outcome = (audience: Audience, r: SendResult, replayed: boolean): SendOutcome => {
  const warning = warningOf(audience, r)
  const broadcast = r.broadcastSeq !== undefined
  // The added keys first: a literal that spreads and then adds keys takes V8's slow path.
  return warning === undefined
    ? { replayed, broadcast, ...r }
    : { replayed, broadcast, warning, ...r }
}

/** A URL a browser may follow from a button: absolute, http or https, nothing else. */
function webUrl(raw: string): boolean {
  if (raw.length > MAX_ACTION_URL) return false
  try {
    const u = new URL(raw)
    return u.protocol === 'http:' || u.protocol === 'https:'
  } catch {
    return false
  }
}

/** Checks the buttons whatever surface sent them; the stored copy has exactly these fields. */
function actionsOf(list: NotificationAction[] | undefined): NotificationAction[] {
  if (list === undefined) return []
  if (list.length > MAX_ACTIONS) throw invalid('actions', `at most ${MAX_ACTIONS} actions`)
  list.forEach((a, i) => {
    const label = a.label.trim()
    if (label === '' || a.label.length > MAX_ACTION_LABEL) {
      throw invalid(`actions.${i}.label`, `1 to ${MAX_ACTION_LABEL} characters, not blank`)
    }
    if (!webUrl(a.url)) {
      throw invalid(
        `actions.${i}.url`,
        `an absolute http or https URL of at most ${MAX_ACTION_URL} characters`,
      )
    }
    if (a.style !== 'primary' && a.style !== 'secondary') {
      throw invalid(`actions.${i}.style`, 'primary or secondary')
    }
  })
  if (list.filter((a) => a.style === 'primary').length > 1) {
    throw invalid('actions', 'at most one action is primary')
  }
  return list.map((a) => ({ label: a.label, url: a.url, style: a.style }))
}

const stateAt = (v: Date | boolean | undefined, at: Date): Date | null =>
  v === true ? at : v instanceof Date ? v : null

/** A stable digest of a request, so a replayed idempotency key can be checked for the same body. */
export const requestHash = (input: unknown): string =>
  createHash('sha256')
    .update(JSON.stringify(canonical(input)))
    .digest('hex')

/** The same value with object keys sorted, so key order in a request does not change its hash. */
const canonical = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(canonical)
  if (v instanceof Date || v === null || typeof v !== 'object') return v
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
  )
}

export function createSender({
  store,
  events,
  clock,
  webhooks,
  broadcasts,
  broadcastMin = null,
}: {
  store: Store
  events: EventBus
  clock: () => Date
  webhooks?: WebhookSink
  /** Told of each broadcast this instance commits. */
  broadcasts?: BroadcastCursors
  /** Topic and tenant sends with at least this many members are broadcasts (null: never). */
  broadcastMin?: number | null
}) {
  const hooks = webhookReporter(webhooks, clock)
  // Tenants are never deleted, so one that exists once exists for good: skip the round trip.
  const knownTenants = new Set<string>()
  async function ensureTenant(tenantId: string) {
    if (knownTenants.has(tenantId)) return
    await store.ensureTenant(tenantId)
    if (knownTenants.size >= 10_000) knownTenants.clear()
    knownTenants.add(tenantId)
  }

  /** Creates one notification for every recipient, in one transaction. */
  async function send(
    tenantId: string,
    input: SendInput,
    idempotencyKey?: string,
  ): Promise<SendOutcome> {
    const audience = checkSendInput(input)
    const now = clock()
    const createdAt = input.createdAt ?? now
    const content: Content = {
      type: input.type,
      title: input.title,
      body: input.body ?? '',
      link: input.link ?? null,
      source: input.source ?? null,
      actor: actorOf(input.actor),
      project: ref(input.project),
      target: ref(input.target),
      parent: ref(input.parent),
      root: ref(input.root),
      data: input.data ?? null,
      actions: actionsOf(input.actions),
      important: input.important ?? false,
      mention: input.mention ?? false,
      automated: input.automated ?? false,
    }
    // Only a keyed send is ever compared with another: a send without a key skips the digest.
    const hash = idempotencyKey === undefined ? '' : requestHash(input)
    if (idempotencyKey !== undefined) {
      const earlier = await replay(tenantId, idempotencyKey, hash, audience)
      if (earlier) return earlier
    }
    await ensureTenant(tenantId)
    const result = await store.send(
      {
        tenantId,
        content,
        audience,
        createdAt,
        readAt: stateAt(input.read, createdAt),
        seenAt: stateAt(input.seen, createdAt) ?? stateAt(input.read, createdAt),
        archivedAt: stateAt(input.dismissed, createdAt),
        snoozedUntil: input.snoozedUntil ?? null,
        expiresAt: input.expiresAt ?? null,
        groupKey: input.groupKey ?? null,
        lastActionAt: input.lastActionAt ?? null,
        keepLatest: input.keepLatest ?? null,
        critical: input.critical ?? false,
        broadcastMin,
      },
      idempotencyKey === undefined ? null : { key: idempotencyKey, hash, response: (r) => r },
    )
    if (!result) {
      // Another request with the same key committed first: answer as it did.
      const earlier = await replay(tenantId, idempotencyKey ?? '', hash, audience)
      if (earlier) return earlier
      throw new HeraldError('CONFLICT', 'idempotency key is in use by a request still running')
    }
    if (result.broadcastSeq !== undefined) broadcasts?.sent(tenantId, result.broadcastSeq)
    if (result.notifications === null) {
      // Too many recipients to name one by one: one hint to every listener of the tenant, which
      // for a broadcast also tells every instance its number (streams then catch up, and copy it).
      events.publish({
        type: 'notifications.changed',
        tenantId,
        userId: '*',
        ...(result.broadcastSeq === undefined ? {} : { broadcast: result.broadcastSeq }),
        at: now.toISOString(),
      })
    }
    for (const n of result.notifications ?? []) {
      events.publish({
        type: 'notification.created',
        tenantId,
        userId: n.recipientId,
        ids: [n.id],
        at: now.toISOString(),
      })
    }
    hooks.sent(
      tenantId,
      result.messageId,
      content,
      createdAt,
      result.recipients,
      result.notifications,
    )
    return outcome(audience, result, false)
  }

  async function replay(
    tenantId: string,
    key: string,
    hash: string,
    audience: Audience,
  ): Promise<SendOutcome | null> {
    const earlier = await store.findIdempotent(tenantId, key)
    if (!earlier) return null
    if (earlier.hash !== hash) {
      throw new HeraldError('CONFLICT', 'idempotency key was used with a different request body', {
        idempotencyKey: key,
      })
    }
    // Recorded before sends counted skipped recipients: none were.
    const stored = earlier.response as Omit<SendResult, 'skipped'> & { skipped?: number }
    return outcome(audience, { ...stored, skipped: stored.skipped ?? 0 }, true)
  }

  return { send }
}
