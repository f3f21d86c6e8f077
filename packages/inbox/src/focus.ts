const TABBABLE =
  'button:not([disabled]), a[href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]'

function tabbable(el: Element): el is HTMLElement {
  if (!(el instanceof HTMLElement) || el.tabIndex < 0 || el.hidden) return false
  // Not laid out (display: none, or inside something that is): not reachable by Tab.
  return el.getClientRects().length > 0
}

/**
 * What Tab reaches inside `container`, in order, content slotted into it included (a host's
 * footer, say), as the browser would walk it.
 */
export function focusables(container: Element): HTMLElement[] {
  const out: HTMLElement[] = []
  const walk = (el: Element) => {
    if (el instanceof HTMLSlotElement) {
      const assigned = el.assignedElements({ flatten: true })
      for (const child of assigned.length > 0 ? assigned : Array.from(el.children)) walk(child)
      return
    }
    if (el.matches(TABBABLE) && tabbable(el)) out.push(el)
    for (const child of Array.from(el.children)) walk(child)
  }
  for (const child of Array.from(container.children)) walk(child)
  return out
}

/** The element that has focus, looking through shadow roots. */
export function deepActive(root: Document | ShadowRoot = document): Element | null {
  let el = root.activeElement
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement
  return el
}

/**
 * Keeps Tab inside a modal panel: past the last element it wraps to the first, and before the
 * first to the last. Returns whether it moved focus itself.
 */
export function trapTab(e: KeyboardEvent, panel: Element, active: Element | null): boolean {
  if (e.key !== 'Tab') return false
  const items = focusables(panel)
  const first = items[0]
  const last = items.at(-1)
  if (!first || !last) {
    e.preventDefault()
    return true
  }
  const at = active ? items.indexOf(active as HTMLElement) : -1
  // From the panel itself (-1), or past either end, focus wraps around.
  const wrap = e.shiftKey ? at <= 0 : at === -1 || at === items.length - 1
  if (!wrap) return false
  e.preventDefault()
  ;(e.shiftKey ? last : first).focus()
  return true
}

/** The index an arrow, Home or End key moves to in a list of `count`, or null for other keys. */
export function arrowTarget(key: string, at: number, count: number, across = false): number | null {
  const next = across ? 'ArrowRight' : 'ArrowDown'
  const prev = across ? 'ArrowLeft' : 'ArrowUp'
  if (count === 0) return null
  if (key === next) return Math.min(at + 1, count - 1)
  if (key === prev) return Math.max(at - 1, 0)
  if (key === 'Home') return 0
  if (key === 'End') return count - 1
  return null
}
