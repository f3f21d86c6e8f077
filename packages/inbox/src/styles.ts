import { css } from 'lit'

/**
 * Every colour and size comes from a `--herald-*` custom property the host may set (see the
 * package README); the fallbacks are the light theme, and `theme="dark"` (or `auto` under a dark
 * system preference) swaps the fallbacks, so a host's own values win in either theme.
 */
const light = css`
  --_bg: var(--herald-bg, #ffffff);
  --_fg: var(--herald-fg, #1b1f24);
  --_muted: var(--herald-muted, #57606a);
  --_border: var(--herald-border, #d0d7de);
  --_hover: var(--herald-hover, #f3f5f7);
  --_unread-bg: var(--herald-unread-bg, #eef4ff);
  --_accent: var(--herald-accent, #1f5bd1);
  --_badge-bg: var(--herald-badge-bg, #c4291c);
  --_badge-fg: var(--herald-badge-fg, #ffffff);
  --_danger: var(--herald-danger, #b42318);
  --_shadow: var(--herald-shadow, 0 8px 28px rgb(15 23 42 / 0.18));
`

const dark = css`
  --_bg: var(--herald-bg, #1d2127);
  --_fg: var(--herald-fg, #e8ebef);
  --_muted: var(--herald-muted, #a9b1bb);
  --_border: var(--herald-border, #3a414b);
  --_hover: var(--herald-hover, #272c33);
  --_unread-bg: var(--herald-unread-bg, #1f2a3d);
  --_accent: var(--herald-accent, #8db4ff);
  --_badge-bg: var(--herald-badge-bg, #e5534b);
  --_badge-fg: var(--herald-badge-fg, #120404);
  --_danger: var(--herald-danger, #ff8a80);
  --_shadow: var(--herald-shadow, 0 8px 28px rgb(0 0 0 / 0.55));
`

export const styles = css`
  :host {
    ${light}
    display: inline-block;
    position: relative;
    font-family: var(--herald-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    font-size: var(--herald-font-size, 14px);
    line-height: 1.4;
    color: var(--_fg);
  }
  :host([theme='dark']) {
    ${dark}
  }
  @media (prefers-color-scheme: dark) {
    :host([theme='auto']),
    :host(:not([theme])) {
      ${dark}
    }
  }
  [hidden] {
    display: none !important;
  }
  button {
    font: inherit;
    color: inherit;
    background: none;
    border: 0;
    padding: 0;
    cursor: pointer;
  }
  button:focus-visible,
  [tabindex]:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  .bell {
    position: relative;
    display: inline-grid;
    place-items: center;
    width: var(--herald-bell-size, 40px);
    height: var(--herald-bell-size, 40px);
    border-radius: 50%;
    color: var(--herald-bell-color, currentColor);
  }
  .bell:hover {
    background: var(--_hover);
  }
  .bell svg {
    width: 60%;
    height: 60%;
  }
  .badge {
    position: absolute;
    top: 2px;
    right: 0;
    min-width: 18px;
    height: 18px;
    padding: 0 5px;
    box-sizing: border-box;
    border-radius: 9px;
    background: var(--_badge-bg);
    color: var(--_badge-fg);
    font-size: 11px;
    font-weight: 700;
    line-height: 18px;
    text-align: center;
  }
  .panel {
    position: absolute;
    z-index: var(--herald-z-index, 1000);
    top: calc(100% + 6px);
    right: 0;
    display: flex;
    flex-direction: column;
    width: var(--herald-panel-width, 380px);
    max-width: calc(100vw - 16px);
    height: var(--herald-panel-height, 520px);
    max-height: calc(100vh - 80px);
    background: var(--_bg);
    color: var(--_fg);
    border: 1px solid var(--_border);
    border-radius: var(--herald-radius, 12px);
    box-shadow: var(--_shadow);
    overflow: hidden;
  }
  :host([align='start']) .panel {
    right: auto;
    left: 0;
  }
  header {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 12px 12px 4px 16px;
  }
  h2 {
    flex: 1;
    margin: 0;
    font-size: 1.1em;
    font-weight: 650;
  }
  .link-button {
    color: var(--_accent);
    padding: 4px 6px;
    border-radius: 6px;
  }
  .link-button:hover {
    background: var(--_hover);
  }
  .link-button:disabled {
    color: var(--_muted);
    cursor: default;
  }
  .icon-button {
    display: inline-grid;
    place-items: center;
    width: 30px;
    height: 30px;
    border-radius: 6px;
    color: var(--_muted);
  }
  .icon-button:hover {
    background: var(--_hover);
    color: var(--_fg);
  }
  .icon-button svg {
    width: 16px;
    height: 16px;
  }
  [role='tablist'] {
    display: flex;
    gap: 4px;
    padding: 4px 12px;
    border-bottom: 1px solid var(--_border);
    overflow-x: auto;
  }
  [role='tab'] {
    padding: 6px 10px;
    border-bottom: 2px solid transparent;
    color: var(--_muted);
    white-space: nowrap;
  }
  [role='tab'][aria-selected='true'] {
    color: var(--_fg);
    border-bottom-color: var(--_accent);
    font-weight: 600;
  }
  .notice {
    margin: 8px 12px 0;
    padding: 6px 10px;
    border-radius: 6px;
    background: var(--_hover);
    color: var(--_fg);
    font-size: 0.92em;
  }
  .body {
    flex: 1;
    overflow-y: auto;
    overscroll-behavior: contain;
  }
  ul {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  .state {
    padding: 40px 24px;
    text-align: center;
    color: var(--_muted);
  }
  .sentinel {
    height: 1px;
  }
  .more {
    padding: 10px;
    text-align: center;
    color: var(--_muted);
    font-size: 0.92em;
  }
  .toast {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 8px 12px 8px 16px;
    border-top: 1px solid var(--_border);
    font-size: 0.92em;
  }
  .toast span {
    flex: 1;
  }
  @media (max-width: 480px) {
    .panel {
      position: fixed;
      top: 56px;
      right: 8px;
      left: 8px;
      width: auto;
    }
  }
`
