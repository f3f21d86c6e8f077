import { css } from 'lit'

/** One row: the avatar, the text, the time and the row's actions. */
export const rowStyles = css`
  .row {
    position: relative;
    display: flex;
    flex-wrap: wrap;
    align-items: flex-start;
    border-bottom: 1px solid var(--_border);
  }
  .row:last-of-type {
    border-bottom: 0;
  }
  .row.unread {
    background: var(--_unread-bg);
  }
  .row:hover,
  .row:focus-within {
    background: var(--_hover);
  }
  .main {
    flex: 1;
    display: flex;
    gap: 10px;
    min-width: 0;
    padding: 12px 16px 14px;
    text-align: start;
  }
  .main:focus-visible {
    outline-offset: -2px;
  }
  .avatar {
    flex: none;
    display: inline-grid;
    place-items: center;
    width: var(--herald-avatar-size, 32px);
    height: var(--herald-avatar-size, 32px);
    border-radius: 50%;
    overflow: hidden;
    font-size: 12px;
    font-weight: 650;
    color: #ffffff;
  }
  /* A class, not a style attribute, so a page's CSP without 'unsafe-inline' allows it; each is
     dark enough behind white initials (4.5:1 or more). */
  .hue-0 { background: #8a3ffc; }
  .hue-1 { background: #0f62fe; }
  .hue-2 { background: #007d79; }
  .hue-3 { background: #a2191f; }
  .hue-4 { background: #7a5c00; }
  .hue-5 { background: #6f4bd8; }
  .hue-6 { background: #b0306a; }
  .hue-7 { background: #3a6b1e; }
  .avatar img {
    width: 100%;
    height: 100%;
    object-fit: cover;
  }
  .text {
    display: block;
    flex: 1;
    min-width: 0;
  }
  .title {
    display: block;
    overflow-wrap: anywhere;
  }
  .unread .title {
    font-weight: 650;
  }
  .excerpt {
    display: -webkit-box;
    -webkit-line-clamp: 2;
    -webkit-box-orient: vertical;
    overflow: hidden;
    margin-top: 2px;
    color: var(--_muted);
    font-size: 0.93em;
  }
  .meta {
    display: block;
    margin-top: 4px;
    color: var(--_muted);
    font-size: 0.86em;
  }
  .dot {
    flex: none;
    width: 8px;
    height: 8px;
    margin: 6px 0 0;
    border-radius: 50%;
    background: var(--_accent);
  }
  /* The row's actions sit over the bottom right corner of the row while it is hovered or focused,
     so they cost no height. */
  .cta {
    flex-basis: 100%;
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    padding: 0 16px 12px calc(16px + var(--herald-avatar-size, 32px) + 10px);
  }
  .cta-button {
    max-width: 100%;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    padding: 4px 12px;
    border-radius: 6px;
    border: 1px solid var(--_border);
    color: var(--_fg);
    background: var(--_bg);
    font-size: 0.8125rem;
  }
  .cta-button.primary {
    border-color: var(--_accent);
    background: var(--_accent);
    color: var(--_bg);
  }
  .cta-button:hover {
    filter: brightness(0.95);
  }
  .actions,
  .snooze-menu {
    position: absolute;
    right: 8px;
    bottom: 4px;
    display: flex;
    gap: 2px;
    padding: 2px;
    border-radius: 8px;
    background: var(--_hover);
  }
  .actions {
    opacity: 0;
  }
  .row:hover .actions,
  .row:focus-within .actions {
    opacity: 1;
  }
  .actions .danger:hover {
    color: var(--_danger);
  }
  .snooze-menu button {
    padding: 4px 8px;
    border-radius: 6px;
    color: var(--_accent);
    white-space: nowrap;
  }
  .snooze-menu button:hover {
    background: var(--_bg);
  }
  @media (hover: none) {
    .actions {
      opacity: 1;
    }
  }
`
