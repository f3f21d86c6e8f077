/**
 * `@herald/inbox`: the `<herald-inbox>` element. Importing this module defines it (once).
 *
 * @example
 * import '@herald/inbox'
 * document.body.innerHTML = '<herald-inbox base-url="https://herald.example.com"></herald-inbox>'
 * document.querySelector('herald-inbox').tokenProvider = () => fetch('/herald-token').then((r) => r.text())
 */
import { HeraldInbox } from './herald-inbox.ts'

export type { Toast } from './actions.ts'
export { HeraldInbox, type NavigateDetail } from './herald-inbox.ts'
export type { RenderItem, RowContext } from './list-view.ts'
export { type Badge, badgeOf } from './live.ts'
export { de, en, type InboxStrings, LANGUAGES } from './strings.ts'
export type { InboxTab, TabFilter } from './tabs.ts'

if (!customElements.get('herald-inbox')) customElements.define('herald-inbox', HeraldInbox)

declare global {
  interface HTMLElementTagNameMap {
    'herald-inbox': HeraldInbox
  }
}
