import { svg } from 'lit'

// Decorative: every button that shows one carries its own label.
const icon = (paths: ReturnType<typeof svg>) =>
  svg`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">${paths}</svg>`

export const bellIcon = icon(
  svg`<path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/>`,
)
export const closeIcon = icon(svg`<path d="M18 6 6 18M6 6l12 12"/>`)
export const checkIcon = icon(svg`<path d="M20 6 9 17l-5-5"/>`)
export const dotIcon = icon(svg`<circle cx="12" cy="12" r="4"/>`)
export const clockIcon = icon(svg`<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>`)
export const archiveIcon = icon(
  svg`<rect x="3" y="4" width="18" height="5" rx="1"/><path d="M5 9v10h14V9M10 13h4"/>`,
)
export const restoreIcon = icon(svg`<path d="M3 12a9 9 0 1 0 3-6.7L3 8"/><path d="M3 3v5h5"/>`)
export const trashIcon = icon(svg`<path d="M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6M10 11v6M14 11v6"/>`)
