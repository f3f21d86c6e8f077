import type { Notification, Ref } from '../../../core/notification.ts'
import { cgiEscape, PAGE_SIZE_MAX } from './query.ts'

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null)

/** Productive's ids are integers; an id that is one renders as a number, anything else as given. */
const refId = (r: Ref | null): number | string | null => {
  if (!r) return null
  return /^(0|[1-9]\d{0,14})$/.test(r.id) ? Number(r.id) : r.id
}

const lower = (s: string | null | undefined): string | null => (s ? s.toLowerCase() : null)

const dataKey = (n: Notification, key: string): unknown => n.data?.[key]

const activityId = (n: Notification): number | string | null => {
  const v = dataKey(n, 'first_unread_activity_id')
  return typeof v === 'number' || typeof v === 'string' ? v : null
}

/** One notification as a JSON:API resource object; all 20 attributes are always present. */
export function renderResource(n: Notification) {
  const changeset = dataKey(n, 'changeset')
  return {
    id: String(n.id),
    type: 'notifications',
    attributes: {
      target_id: refId(n.target),
      target_type: lower(n.target?.type),
      target_title: n.target?.title ?? null,
      parent_id: refId(n.parent),
      parent_type: lower(n.parent?.type),
      parent_title: n.parent?.title ?? null,
      title: n.title,
      read: n.readAt !== null,
      dismissed: n.archivedAt !== null,
      new_activities_count: n.activityCount,
      excerpt: n.body,
      last_action_at: iso(n.lastActionAt),
      first_unread_activity_id: activityId(n),
      changeset: Array.isArray(changeset) ? changeset : [],
      important: n.important,
      mention: n.mention,
      target_label: lower(n.target?.label),
      made_by_automation: n.automated,
      root_id: refId(n.root),
      root_type: lower(n.root?.type),
    },
    relationships: {
      organization: { data: { type: 'organizations', id: n.tenantId } },
      actor: { meta: { included: false } },
      owner: { data: { type: 'organization_memberships', id: n.recipientId } },
    },
  }
}

export const singleDocument = (n: Notification) => ({ data: renderResource(n), meta: {} })

export interface ListContext {
  /** Absolute URL of the collection, without a query. */
  base: string
  echo: string[]
  number: number
  size: number
  total: number
}

/** `first`, `prev`, `next`, `last` as jsonapi-resources' paged paginator builds them. */
function links(c: ListContext, pages: number): Record<string, string> {
  const link = (number: number) => {
    const parts = [
      ...c.echo,
      `${cgiEscape('page[number]')}=${number}`,
      `${cgiEscape('page[size]')}=${c.size}`,
    ]
    // Rails' to_query sorts the encoded pairs.
    return `${c.base}?${parts.sort().join('&')}`
  }
  const out: Record<string, string> = { first: link(1) }
  if (c.number > 1) out.prev = link(c.number - 1)
  if (c.number < pages) out.next = link(c.number + 1)
  // An empty collection has zero pages and its `last` link says page 0, as the real service does.
  out.last = link(pages)
  return out
}

export function listDocument(items: Notification[], c: ListContext) {
  const pages = Math.ceil(c.total / c.size)
  return {
    data: items.map(renderResource),
    links: links(c, pages),
    meta: {
      current_page: c.number,
      total_pages: pages,
      total_count: c.total,
      page_size: c.size,
      max_page_size: PAGE_SIZE_MAX,
    },
  }
}
