import type { Notification } from '@herald/client'
import { html, nothing, type TemplateResult } from 'lit'
import { absoluteTime, relativeTime } from './time.ts'

type Actor = NonNullable<Notification['actor']>

/** Who the actor is, in the best form the producer gave. */
export function actorName(a: Actor): string {
  const full = [a.firstName, a.lastName].filter(Boolean).join(' ')
  return a.displayName || full || a.username || a.id
}

/** Up to two initials: "Ada Lovelace" → "AL", "bob" → "B". */
export function initials(name: string): string {
  const words = name
    .trim()
    .split(/[\s._-]+/)
    .filter(Boolean)
  const letters = words.length > 1 ? [words[0], words.at(-1)] : [words[0]]
  return letters
    .map((w) => (w ? Array.from(w)[0] : ''))
    .join('')
    .toUpperCase()
}

/** One of the eight avatar colours (row-styles.ts), the same for an actor every time. */
function hueOf(key: string): number {
  let h = 0
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0
  return h % 8
}

/** The actor's picture, or their initials on a colour of their own; decorative (the text names them). */
export function avatar(n: Notification): TemplateResult | typeof nothing {
  const a = n.actor
  if (!a) return nothing
  const name = actorName(a)
  if (a.avatarUrl) {
    return html`<span class="avatar" aria-hidden="true"><img src=${a.avatarUrl} alt="" loading="lazy" /></span>`
  }
  return html`<span class="avatar hue-${hueOf(a.id)}" aria-hidden="true">${initials(name)}</span>`
}

/** The default content of a row, inside its main button (so: phrasing content only). */
export function defaultRow(
  n: Notification,
  ctx: { locale: string; now: Date; unreadLabel: string },
): TemplateResult {
  const at = new Date(n.createdAt)
  return html`
    ${avatar(n)}
    <span class="text">
      ${n.read ? nothing : html`<span class="sr-only">${ctx.unreadLabel}: </span>`}
      <span class="title">${n.title}</span>
      ${n.body ? html`<span class="excerpt">${n.body}</span>` : nothing}
      <span class="meta">
        <time datetime=${n.createdAt} title=${absoluteTime(at, ctx.locale)}
          >${relativeTime(at, ctx.now, ctx.locale)}</time
        >${n.actor ? html` · ${actorName(n.actor)}` : nothing}
      </span>
    </span>
    ${n.read ? nothing : html`<span class="dot" aria-hidden="true"></span>`}
  `
}
