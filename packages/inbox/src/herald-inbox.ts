import {
  createHeraldClient,
  type HeraldClient,
  type Notification,
  type Subscription,
} from '@herald/client'
import { html, LitElement, nothing, type PropertyValues } from 'lit'
import { ifDefined } from 'lit/directives/if-defined.js'
import { type Actions, createActions, type Toast } from './actions.ts'
import { Feed } from './feed.ts'
import { arrowTarget, deepActive, trapTab } from './focus.ts'
import { bellIcon, closeIcon } from './icons.ts'
import { type RenderItem, renderBody } from './list-view.ts'
import { type Badge, badgeOf, followLive } from './live.ts'
import { rowStyles } from './row-styles.ts'
import { fill, type InboxStrings, stringsFor } from './strings.ts'
import { styles } from './styles.ts'
import { builtInTabs, type InboxTab } from './tabs.ts'
import { cachedToken } from './token.ts'

type LiveStatus = 'connecting' | 'live' | 'polling' | 'offline'

/** What `herald-navigate` carries; calling `preventDefault()` keeps the page where it is. */
export interface NavigateDetail {
  notification: Notification
  /** Where to go: the notification's link, or the URL of the action clicked. */
  link: string | null
  /** The action button clicked; null for the row itself. */
  action: Notification['actions'][number] | null
}

/**
 * `<herald-inbox>`: a bell with the unread badge that opens the user's inbox, kept live.
 *
 * @example
 * <script type="module" src="/herald-inbox.js"></script>
 * <herald-inbox base-url="https://herald.example.com" token="eyJ…"></herald-inbox>
 */
export class HeraldInbox extends LitElement {
  static override styles = [styles, rowStyles]
  static override properties = {
    baseUrl: { attribute: 'base-url' },
    token: {},
    tokenProvider: { attribute: false },
    client: { attribute: false },
    locale: {},
    theme: { reflect: true },
    tab: {},
    tabs: { attribute: false },
    strings: { attribute: false },
    renderItem: { attribute: false },
    pageSize: { attribute: 'page-size', type: Number },
    open: { type: Boolean, reflect: true },
    _badge: { state: true },
    _status: { state: true },
    _toast: { state: true },
    _snoozing: { state: true },
    _active: { state: true },
    _announcement: { state: true },
    _now: { state: true },
  }

  /** Herald's origin, e.g. `https://herald.example.com` (no `/v1`). */
  declare baseUrl: string | undefined
  /** A user token (JWT) minted by the host's backend. */
  declare token: string | undefined
  /**
   * Gives a fresh token (e.g. from the host's backend); wins over `token`. Asked again only
   * when the last one is a minute from its `exp` (or every time, for a token without one).
   */
  declare tokenProvider: (() => string | Promise<string>) | undefined
  /** A client of the host's own, instead of one made from `base-url` and the token. */
  declare client: HeraldClient | undefined
  /** BCP 47 tag; defaults to the page's `lang`, then the browser's language. */
  declare locale: string | undefined
  declare theme: 'light' | 'dark' | 'auto'
  /** The tab shown: `unread`, `all`, `archived` or the id of a host tab. */
  declare tab: string
  /** The host's own tabs, after the built-in ones (one with a built-in id replaces it). */
  declare tabs: InboxTab[]
  /** Overrides of any shown or announced text. */
  declare strings: Partial<InboxStrings>
  /** A row of the host's own: its content inside the row's button. */
  declare renderItem: RenderItem | undefined
  declare pageSize: number
  declare open: boolean
  declare _badge: Badge | null
  declare _status: LiveStatus
  declare _toast: Toast | null
  declare _snoozing: number | null
  declare _active: number
  declare _announcement: string
  declare _now: Date

  #client: HeraldClient | null = null
  #feed: Feed | null = null
  #actions: Actions | null = null
  #subscription: Subscription | null = null
  #wasLive = false
  #observer: IntersectionObserver | null = null
  #clock: ReturnType<typeof setInterval> | undefined
  #toastTimer: ReturnType<typeof setTimeout> | undefined
  #focusFirstRow = false
  #pendingStart = false

  constructor() {
    super()
    this.theme = 'auto'
    this.tab = 'all'
    this.tabs = []
    this.strings = {}
    this.pageSize = 20
    this.open = false
    this._badge = null
    this._status = 'connecting'
    this._toast = null
    this._snoozing = null
    this._active = 0
    this._announcement = ''
    this._now = new Date()
  }

  override connectedCallback(): void {
    super.connectedCallback()
    document.addEventListener('pointerdown', this.#outside)
    // Started by the next update, once the properties a framework sets right after are in.
    this.#pendingStart = true
    this.requestUpdate()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    document.removeEventListener('pointerdown', this.#outside)
    this.#stop()
    this.#tick(false)
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const wiring = ['baseUrl', 'token', 'tokenProvider', 'client', 'pageSize'] as const
    if (this.isConnected && (this.#pendingStart || wiring.some((k) => changed.has(k)))) {
      this.#pendingStart = false
      this.#start()
    }
    if (changed.has('tab') || changed.has('tabs')) {
      this._active = 0
      this._snoozing = null
      if (this.open) this.#feed?.show(this.#currentTab())
    }
    if (changed.has('open')) this.#opened(changed.get('open') === true)
  }

  protected override updated(): void {
    this.#watchSentinel()
    if (this.#focusFirstRow && this.#rowButtons().length > 0) {
      this.#focusFirstRow = false
      if (deepActive(this.renderRoot as ShadowRoot) === this.#panel()) this.#focusRow(0)
    }
  }

  /** The current strings: the locale's table under the host's overrides. */
  get resolvedStrings(): InboxStrings {
    return { ...stringsFor(this.#locale()), ...this.strings }
  }

  /** Reads the list and the badge again from the server. */
  refresh(): void {
    void this.#loadBadge()
    this.#feed?.invalidate()
    if (this.open) this.#feed?.show(this.#currentTab())
  }

  #locale(): string {
    return this.locale || document.documentElement.lang || navigator.language || 'en'
  }

  #allTabs(): InboxTab[] {
    const own = this.tabs ?? []
    const builtIn = builtInTabs(this.resolvedStrings).filter((t) => !own.some((o) => o.id === t.id))
    return [...builtIn, ...own]
  }

  #currentTab(): InboxTab {
    const all = this.#allTabs()
    return (
      all.find((t) => t.id === this.tab) ?? all[1] ?? all[0] ?? { id: 'all', label: '', filter: {} }
    )
  }

  #start(): void {
    this.#stop()
    const token = this.tokenProvider ? cachedToken(this.tokenProvider) : this.token
    const client =
      this.client ??
      (this.baseUrl && token ? createHeraldClient({ baseUrl: this.baseUrl, token }) : null)
    if (!client) return
    this.#client = client
    const feed = new Feed(client, this.pageSize, () => this.requestUpdate())
    this.#feed = feed
    this.#actions = createActions({
      client,
      feed,
      strings: () => this.resolvedStrings,
      locale: () => this.#locale(),
      shiftBadge: (delta) => this.#shiftBadge(delta),
      refreshBadge: () => void this.#loadBadge(),
      toast: (t) => this.#showToast(t),
    })
    this.#wasLive = false
    this.#subscription = followLive(client, feed, {
      badge: (b) => {
        this._badge = b
      },
      arrived: (n) => this.#announce(n),
      status: (s) => {
        if (s === 'live') this.#wasLive = true
        this._status = s
      },
      refresh: () => {
        void this.#loadBadge()
        if (this.open) this.#feed?.show(this.#currentTab())
      },
    })
    void this.#loadBadge()
    if (this.open) feed.show(this.#currentTab())
  }

  #stop(): void {
    this.#subscription?.close()
    this.#subscription = null
    this.#client = null
    this.#feed = null
    this.#actions = null
  }

  async #loadBadge(): Promise<void> {
    const client = this.#client
    try {
      const counts = await client?.counts({ cap: 99 })
      if (counts && client === this.#client) this._badge = badgeOf(counts)
    } catch {
      // The stream's counts, or the next refresh, bring the badge.
    }
  }

  #shiftBadge(delta: number): void {
    const b = this._badge
    if (!b || delta === 0) return
    if (delta === Number.NEGATIVE_INFINITY) this._badge = { unread: 0, more: false }
    // Past the cap the real number is unknown: the server's next counts say it.
    else if (!b.more)
      this._badge = { unread: Math.max(0, Math.min(99, b.unread + delta)), more: false }
  }

  #announce(n: Notification): void {
    const text = fill(this.resolvedStrings.announceNew, { title: n.title })
    // The same words twice in a row would not be announced again: vary them invisibly.
    this._announcement = this._announcement === text ? `${text}\u00a0` : text
  }

  #showToast(t: Toast | null): void {
    clearTimeout(this.#toastTimer)
    this._toast = t
    if (t) this.#toastTimer = setTimeout(() => (this._toast = null), 8000)
  }

  #tick(on: boolean): void {
    clearInterval(this.#clock)
    if (on) this.#clock = setInterval(() => (this._now = new Date()), 30_000)
  }

  #opened(was: boolean): void {
    if (this.open === was) return
    this.#tick(this.open)
    this.dispatchEvent(
      new CustomEvent('herald-toggle', {
        detail: { open: this.open },
        bubbles: true,
        composed: true,
      }),
    )
    if (!this.open) {
      this._snoozing = null
      this.#showToast(null)
      return
    }
    this._now = new Date()
    this._active = 0
    this.#feed?.show(this.#currentTab())
    this.#focusFirstRow = true
    void this.updateComplete.then(() => this.#panel()?.focus())
  }

  #toggle = () => {
    this.open = !this.open
  }

  /** Closes the panel; focus goes back to the bell unless the user clicked elsewhere. */
  close(refocus = true): void {
    if (!this.open) return
    this.open = false
    if (refocus) void this.updateComplete.then(() => this.#bell()?.focus())
  }

  #outside = (e: Event) => {
    if (this.open && !e.composedPath().includes(this)) this.close(false)
  }

  #panel = () => this.renderRoot.querySelector<HTMLElement>('.panel')
  #bell = () => this.renderRoot.querySelector<HTMLElement>('.bell')
  #rowButtons = () => Array.from(this.renderRoot.querySelectorAll<HTMLElement>('.row .main'))

  #focusRow(i: number): void {
    this._active = i
    this._snoozing = null
    void this.updateComplete.then(() => (this.#rowButtons()[i] ?? this.#panel())?.focus())
  }

  /** After a row left the list under the focus, focus goes to the row now in its place. */
  #keepFocus(at: number): void {
    void this.updateComplete.then(() => {
      if (!this.open || this.matches(':focus-within')) return
      this.#focusRow(Math.min(at, Math.max(0, this.#rowButtons().length - 1)))
    })
  }

  #onPanelKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation()
      if (this._snoozing !== null) {
        const at = this._active
        this._snoozing = null
        this.#focusRow(at)
      } else this.close()
      return
    }
    const panel = this.#panel()
    if (panel) trapTab(e, panel, deepActive(this.renderRoot as ShadowRoot))
  }

  #onListKey = (e: KeyboardEvent) => {
    const rows = this.#rowButtons()
    const row = (e.target as Element).closest('.row')
    const at = row ? Array.from(row.parentElement?.children ?? []).indexOf(row) : -1
    if (at < 0) return
    const to = arrowTarget(e.key, at, rows.length)
    if (to === null) return
    e.preventDefault()
    this.#focusRow(to)
  }

  #onTabKey = (e: KeyboardEvent) => {
    const tabs = this.#allTabs()
    const at = tabs.findIndex((t) => t.id === this.#currentTab().id)
    const to = arrowTarget(e.key, at, tabs.length, true)
    const next = to === null ? undefined : tabs[to]
    if (!next) return
    e.preventDefault()
    this.#select(next)
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLElement>('[role="tab"][aria-selected="true"]')?.focus(),
    )
  }

  #select(t: InboxTab): void {
    this.tab = t.id
    this.dispatchEvent(
      new CustomEvent('herald-tab', { detail: { tab: t.id }, bubbles: true, composed: true }),
    )
  }

  /**
   * A row's main button, or one of its action buttons: the host may route (herald-navigate), and
   * the row is read.
   */
  async #activate(n: Notification, action?: Notification['actions'][number]): Promise<void> {
    const link = action ? action.url : n.link
    const detail: NavigateDetail = { notification: n, link, action: action ?? null }
    const go = this.dispatchEvent(
      new CustomEvent<NavigateDetail>('herald-navigate', {
        detail,
        bubbles: true,
        composed: true,
        cancelable: true,
      }),
    )
    const read = n.read ? Promise.resolve(true) : (this.#actions?.read(n) ?? Promise.resolve(true))
    if (!go || !link) {
      this.#keepFocus(this._active)
      return
    }
    // The page is about to go: the read must reach the server first.
    await read
    window.location.assign(link)
  }

  #watchSentinel(): void {
    const sentinel = this.renderRoot.querySelector('.sentinel')
    const body = this.renderRoot.querySelector('.body')
    if (!sentinel || !body) {
      this.#observer?.disconnect()
      this.#observer = null
      return
    }
    if (!this.#observer || this.#observer.root !== body) {
      this.#observer?.disconnect()
      this.#observer = new IntersectionObserver(
        (entries) => {
          if (entries.some((e) => e.isIntersecting)) void this.#feed?.more(this.#currentTab())
        },
        { root: body, rootMargin: '0px 0px 160px 0px' },
      )
    }
    // Observing anew reports the sentinel's state again: a page too short to scroll asks for more.
    this.#observer.unobserve(sentinel)
    this.#observer.observe(sentinel)
  }

  override render() {
    const s = this.resolvedStrings
    const b = this._badge
    const count = b && (b.more || b.unread > 0) ? (b.more ? s.badgeMore : String(b.unread)) : null
    return html`
      <button
        class="bell"
        part="bell"
        aria-label=${count ? fill(s.bellUnread, { count }) : s.bell}
        aria-haspopup="dialog"
        aria-expanded=${this.open ? 'true' : 'false'}
        aria-controls=${ifDefined(this.open ? 'panel' : undefined)}
        @click=${this.#toggle}
      >
        <slot name="bell-icon">${bellIcon}</slot>
        ${count ? html`<span class="badge" part="badge" aria-hidden="true">${count}</span>` : nothing}
      </button>
      <div class="sr-only" role="status" aria-live="polite" aria-atomic="true">${this._announcement}</div>
      ${this.open ? this.#renderPanel(s) : nothing}
    `
  }

  #renderPanel(s: InboxStrings) {
    const tabs = this.#allTabs()
    const current = this.#currentTab()
    const index = tabs.findIndex((t) => t.id === current.id)
    const state = this.#feed?.state(current)
    const notice =
      this._status === 'offline'
        ? s.offline
        : this._status === 'polling' || (this._status === 'connecting' && this.#wasLive)
          ? s.reconnecting
          : null
    return html`
      <div id="panel" class="panel" part="panel" role="dialog" aria-modal="true" aria-labelledby="title"
        tabindex="-1" @keydown=${this.#onPanelKey}>
        <header>
          <h2 id="title">${s.title}</h2>
          <button class="link-button" part="mark-all" ?disabled=${!this._badge || this._badge.unread === 0}
            @click=${() => void this.#actions?.markAllRead(state?.items ?? [])}>${s.markAllRead}</button>
          <button class="icon-button" aria-label=${s.close} @click=${() => this.close()}>${closeIcon}</button>
        </header>
        <div role="tablist" aria-label=${s.tabsLabel} @keydown=${this.#onTabKey}>
          ${tabs.map(
            (
              t,
              i,
            ) => html`<button role="tab" id=${`tab-${i}`} aria-selected=${t.id === current.id ? 'true' : 'false'}
              aria-controls="list" tabindex=${t.id === current.id ? 0 : -1} @click=${() => this.#select(t)}>${t.label}</button>`,
          )}
        </div>
        ${notice ? html`<p class="notice" part="notice">${notice}</p>` : nothing}
        <div class="body" id="list" role="tabpanel" aria-labelledby=${`tab-${index}`} @keydown=${this.#onListKey}>
          ${renderBody({
            state,
            tab: current,
            signedIn: this.#client !== null,
            offline: this._status === 'offline',
            strings: s,
            locale: this.#locale(),
            now: this._now,
            active: this._active,
            snoozing: this._snoozing,
            renderItem: this.renderItem,
            onActivate: (n, action) => void this.#activate(n, action),
            onFocusRow: (i) => {
              this._active = i
            },
            onAction: (n, action) => this.#rowAction(n, action),
            onRetry: () => this.refresh(),
          })}
        </div>
        <slot name="footer"></slot>
        ${this._toast ? this.#renderToast(this._toast, s) : nothing}
      </div>
    `
  }

  #renderToast(t: Toast, s: InboxStrings) {
    return html`<div class="toast" part="toast" role="status">
      <span>${t.text}</span>
      ${
        t.undo
          ? html`<button class="link-button" @click=${() => {
              t.undo?.()
              this.#showToast(null)
            }}>${s.undo}</button>`
          : nothing
      }
    </div>`
  }

  #rowAction(n: Notification, action: string): void {
    const a = this.#actions
    if (!a) return
    const at = this._active
    const refocus = () => this.#keepFocus(at)
    switch (action) {
      case 'read':
        void (n.read ? a.unread(n) : a.read(n))
        refocus()
        break
      case 'snooze':
        this._snoozing = n.id
        void this.updateComplete.then(() =>
          this.renderRoot.querySelector<HTMLElement>('.snooze-menu button')?.focus(),
        )
        break
      case 'snooze-cancel':
        this.#focusRow(at)
        break
      case 'snooze-hour':
      case 'snooze-tomorrow':
        this._snoozing = null
        void a.snooze(n, action === 'snooze-hour' ? 'hour' : 'tomorrow')
        refocus()
        break
      case 'dismiss':
        void (n.dismissed ? a.undismiss(n) : a.dismiss(n))
        refocus()
        break
      case 'delete':
        void a.delete(n)
        refocus()
        break
    }
  }
}
