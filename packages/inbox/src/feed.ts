import type { HeraldClient, Notification } from '@herald/client'
import { belongs, type InboxTab, newerFirst } from './tabs.ts'

/** What the panel shows for one tab. */
export interface TabState {
  items: Notification[]
  /** `loading` only while nothing is shown yet; a quiet reload keeps `ready`. */
  status: 'idle' | 'loading' | 'ready' | 'error'
  /** Whether the page iterator may have more. */
  more: boolean
  loadingMore: boolean
  error: unknown
}

interface Slot {
  tab: InboxTab
  state: TabState
  pages: AsyncIterator<Notification[]> | null
  /** Bumped by every (re)load, so the answer of a superseded one is dropped. */
  generation: number
  /** Something changed that this tab cannot judge in the browser: reload when shown. */
  stale: boolean
}

/** A host may hand over new tab objects on every render: only a new filter means a new list. */
const sameFilter = (a: InboxTab, b: InboxTab) =>
  JSON.stringify(a.filter) === JSON.stringify(b.filter)

const idle = (): TabState => ({
  items: [],
  status: 'idle',
  more: true,
  loadingMore: false,
  error: null,
})

/**
 * The lists of the tabs opened so far, each read through the client's page iterator, and kept
 * in step with changes (one's own, and those the live stream reports) without refetching.
 */
export class Feed {
  readonly #slots = new Map<string, Slot>()
  readonly #client: HeraldClient
  readonly #pageSize: number
  readonly #changed: () => void

  constructor(client: HeraldClient, pageSize: number, changed: () => void) {
    this.#client = client
    this.#pageSize = pageSize
    this.#changed = changed
  }

  state(tab: InboxTab): TabState {
    return this.#slots.get(tab.id)?.state ?? idle()
  }

  /** Loads a tab the first time it is shown, or again when it went stale. */
  show(tab: InboxTab): void {
    const slot = this.#slots.get(tab.id)
    if (!slot || slot.state.status === 'idle' || slot.state.status === 'error') {
      void this.reload(tab, false)
    } else if (slot.stale || !sameFilter(slot.tab, tab)) void this.reload(tab, true)
  }

  /** Reads the first page again; `quiet` keeps the current rows on screen meanwhile. */
  async reload(tab: InboxTab, quiet: boolean): Promise<void> {
    const slot = this.#slot(tab)
    slot.tab = tab
    slot.stale = false
    const generation = ++slot.generation
    const pages = this.#client.notifications
      .pages({ ...tab.filter, limit: this.#pageSize })
      [Symbol.asyncIterator]()
    slot.pages = pages
    if (!quiet || slot.state.status !== 'ready') slot.state = { ...idle(), status: 'loading' }
    this.#changed()
    try {
      const page = await pages.next()
      if (generation !== slot.generation) return
      const items: Notification[] = page.done ? [] : page.value
      slot.state = { ...idle(), status: 'ready', items, more: this.#more(page, items) }
    } catch (error) {
      if (generation !== slot.generation) return
      slot.state = { ...idle(), status: 'error', error }
    }
    this.#changed()
  }

  /** The next page, when the sentinel at the end of the list comes into view. */
  async more(tab: InboxTab): Promise<void> {
    const slot = this.#slots.get(tab.id)
    if (!slot?.pages || slot.state.status !== 'ready') return
    if (!slot.state.more || slot.state.loadingMore) return
    const generation = slot.generation
    slot.state = { ...slot.state, loadingMore: true }
    this.#changed()
    try {
      const page = await slot.pages.next()
      if (generation !== slot.generation) return
      const got: Notification[] = page.done ? [] : page.value
      const known = new Set(slot.state.items.map((n) => n.id))
      const fresh = got.filter((n) => !known.has(n.id))
      slot.state = {
        ...slot.state,
        items: [...slot.state.items, ...fresh],
        more: this.#more(page, got),
        loadingMore: false,
      }
    } catch (error) {
      if (generation !== slot.generation) return
      // The rows stay; the next time the sentinel shows, the iterator is asked again.
      slot.state = { ...slot.state, loadingMore: false, error }
    }
    this.#changed()
  }

  /** A notification as it is now: placed in, moved within or taken out of every loaded tab. */
  put(n: Notification): void {
    for (const slot of this.#slots.values()) {
      if (slot.state.status !== 'ready') continue
      const fits = belongs(n, slot.tab.filter)
      if (fits === undefined) {
        slot.stale = true
        continue
      }
      const rest = slot.state.items.filter((m) => m.id !== n.id)
      const last = rest.at(-1)
      // A row older than everything loaded belongs to a page not read yet: the iterator will bring it.
      const inRange = !slot.state.more || !last || newerFirst(n, last) <= 0
      const items = fits && inRange ? [...rest, n].sort(newerFirst) : rest
      slot.state = { ...slot.state, items }
    }
    this.#changed()
  }

  remove(id: number): void {
    for (const slot of this.#slots.values()) {
      const items = slot.state.items.filter((m) => m.id !== id)
      if (items.length !== slot.state.items.length) slot.state = { ...slot.state, items }
    }
    this.#changed()
  }

  find(id: number): Notification | undefined {
    for (const slot of this.#slots.values()) {
      const n = slot.state.items.find((m) => m.id === id)
      if (n) return n
    }
    return undefined
  }

  /** Every id on screen in any tab: what a change event may concern. */
  ids(): Set<number> {
    const out = new Set<number>()
    for (const slot of this.#slots.values()) for (const n of slot.state.items) out.add(n.id)
    return out
  }

  /** Everything may have changed (a reset, a reconnect): every tab reloads when shown. */
  invalidate(): void {
    for (const slot of this.#slots.values()) slot.stale = true
  }

  /**
   * Whether the iterator may have more: a short page is the last one; a full one may be too, which
   * the next call finds out (without a request, as the server said there is no next cursor).
   */
  #more(page: IteratorResult<Notification[]>, items: Notification[]): boolean {
    return !page.done && items.length >= this.#pageSize
  }

  #slot(tab: InboxTab): Slot {
    let slot = this.#slots.get(tab.id)
    if (!slot) {
      slot = { tab, state: idle(), pages: null, generation: 0, stale: false }
      this.#slots.set(tab.id, slot)
    }
    return slot
  }
}
