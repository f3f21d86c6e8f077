import type { Notification } from '@herald/client'

type NotificationAction = Notification['actions'][number]

import { html, nothing, type TemplateResult } from 'lit'
import { repeat } from 'lit/directives/repeat.js'
import type { TabState } from './feed.ts'
import { archiveIcon, checkIcon, clockIcon, dotIcon, restoreIcon, trashIcon } from './icons.ts'
import { defaultRow } from './row.ts'
import { fill, type InboxStrings } from './strings.ts'
import type { InboxTab } from './tabs.ts'

/** What a host's `renderItem` gets besides the notification. */
export interface RowContext {
  locale: string
  now: Date
  strings: InboxStrings
  /** The built-in row content, to wrap or extend. */
  renderDefault(): TemplateResult
}

/**
 * A row of the host's own. What it returns (a Lit template, a string or a DOM node) is placed in
 * the row's button, so it must not be interactive itself; the row keeps its actions.
 */
export type RenderItem = (n: Notification, ctx: RowContext) => unknown

export type RowAction =
  | 'read'
  | 'snooze'
  | 'snooze-hour'
  | 'snooze-tomorrow'
  | 'snooze-cancel'
  | 'dismiss'
  | 'delete'

export interface BodyProps {
  state: TabState | undefined
  tab: InboxTab
  signedIn: boolean
  offline: boolean
  strings: InboxStrings
  locale: string
  now: Date
  active: number
  snoozing: number | null
  renderItem: RenderItem | undefined
  /** The row's main button (`link` absent: the notification's own), or one of its actions. */
  onActivate(n: Notification, action?: NotificationAction): void
  onFocusRow(index: number): void
  onAction(n: Notification, action: RowAction): void
  onRetry(): void
}

const emptyText = (tab: InboxTab, s: InboxStrings) =>
  tab.id === 'unread' ? s.emptyUnread : tab.id === 'archived' ? s.emptyArchived : s.empty

/** The tab's content: loading, error, empty, or the rows with the infinite-scroll sentinel. */
export function renderBody(p: BodyProps): TemplateResult {
  const s = p.strings
  const st = p.state
  if (!p.signedIn) return html`<p class="state">${s.notSignedIn}</p>`
  if (!st || st.status === 'idle' || st.status === 'loading') {
    return html`<p class="state" part="loading">${s.loading}</p>`
  }
  if (st.status === 'error') {
    return html`<div class="state" part="error">
      <p>${p.offline ? s.offline : s.error}</p>
      <button class="link-button" @click=${p.onRetry}>${s.retry}</button>
    </div>`
  }
  if (st.items.length === 0) {
    return html`<div class="state" part="empty"><slot name="empty">${emptyText(p.tab, s)}</slot></div>`
  }
  return html`
    <ul aria-label=${p.tab.label}>
      ${repeat(
        st.items,
        (n) => n.id,
        (n, i) => renderRow(n, i, p),
      )}
    </ul>
    ${st.more ? html`<div class="sentinel" aria-hidden="true"></div>` : nothing}
    ${st.loadingMore ? html`<p class="more" part="loading-more">${s.loadingMore}</p>` : nothing}
  `
}

function renderRow(n: Notification, i: number, p: BodyProps): TemplateResult {
  const s = p.strings
  const tabbable = i === p.active ? 0 : -1
  const ctx: RowContext = {
    locale: p.locale,
    now: p.now,
    strings: s,
    renderDefault: () => defaultRow(n, { locale: p.locale, now: p.now, unreadLabel: s.unread }),
  }
  const content = p.renderItem ? p.renderItem(n, ctx) : ctx.renderDefault()
  return html`<li
    class="row ${n.read ? 'read' : 'unread'} ${i === p.active ? 'active' : ''}"
    part="row"
    data-id=${n.id}
    @focusin=${() => p.onFocusRow(i)}
  >
    <button class="main" tabindex=${tabbable} @click=${() => p.onActivate(n)}>${content}</button>
    ${n.actions.length > 0 ? linkActions(n, p, tabbable) : nothing}
    ${p.snoozing === n.id ? snoozeMenu(n, p) : actions(n, p, tabbable)}
  </li>`
}

/** The producer's buttons: each follows its link as the row does (herald-navigate), and reads it. */
function linkActions(n: Notification, p: BodyProps, tabbable: number): TemplateResult {
  return html`<div class="cta" part="actions">
    ${n.actions.map(
      (a) => html`<button class="cta-button ${a.style}" part="action action-${a.style}"
        tabindex=${tabbable} data-url=${a.url} @click=${() => p.onActivate(n, a)}>${a.label}</button>`,
    )}
  </div>`
}

function actions(n: Notification, p: BodyProps, tabbable: number): TemplateResult {
  const s = p.strings
  const button = (action: RowAction, label: string, icon: unknown, cls = '') =>
    html`<button class="icon-button ${cls}" tabindex=${tabbable} aria-label=${label} title=${label}
      data-action=${action} @click=${() => p.onAction(n, action)}>${icon}</button>`
  // Named by its notification, so "Archive" is announced with what it archives.
  return html`<div class="actions" role="group" aria-label=${n.title}>
    ${button('read', n.read ? s.markUnread : s.markRead, n.read ? dotIcon : checkIcon)}
    ${n.dismissed ? nothing : button('snooze', s.snooze, clockIcon)}
    ${button('dismiss', n.dismissed ? s.undismiss : s.dismiss, n.dismissed ? restoreIcon : archiveIcon)}
    ${button('delete', s.delete, trashIcon, 'danger')}
  </div>`
}

function snoozeMenu(n: Notification, p: BodyProps): TemplateResult {
  const s = p.strings
  const choice = (action: RowAction, label: string) =>
    html`<button data-action=${action} @click=${() => p.onAction(n, action)}>${label}</button>`
  return html`<div class="snooze-menu" role="group" aria-label=${fill(s.snoozeLabel, { title: n.title })}>
    ${choice('snooze-hour', s.snoozeHour)} ${choice('snooze-tomorrow', s.snoozeTomorrow)}
    ${choice('snooze-cancel', s.snoozeCancel)}
  </div>`
}
