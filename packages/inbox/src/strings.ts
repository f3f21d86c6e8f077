/**
 * Every text the inbox shows or announces. `{count}`, `{title}` and `{time}` are replaced where
 * they appear. A host overrides any of them through the `strings` property.
 */
export interface InboxStrings {
  bell: string
  bellUnread: string
  badgeMore: string
  title: string
  close: string
  tabsLabel: string
  tabUnread: string
  tabAll: string
  tabArchived: string
  markAllRead: string
  markRead: string
  markUnread: string
  dismiss: string
  undismiss: string
  snooze: string
  snoozeHour: string
  snoozeTomorrow: string
  snoozeCancel: string
  snoozeLabel: string
  delete: string
  unread: string
  loading: string
  loadingMore: string
  empty: string
  emptyUnread: string
  emptyArchived: string
  error: string
  retry: string
  offline: string
  reconnecting: string
  announceNew: string
  dismissed: string
  snoozed: string
  deleted: string
  undo: string
  actionFailed: string
  notSignedIn: string
}

export const en: InboxStrings = {
  bell: 'Notifications',
  bellUnread: 'Notifications, {count} unread',
  badgeMore: '99+',
  title: 'Notifications',
  close: 'Close notifications',
  tabsLabel: 'Show',
  tabUnread: 'Unread',
  tabAll: 'All',
  tabArchived: 'Archived',
  markAllRead: 'Mark all as read',
  markRead: 'Mark as read',
  markUnread: 'Mark as unread',
  dismiss: 'Archive',
  undismiss: 'Restore',
  snooze: 'Snooze',
  snoozeHour: 'For 1 hour',
  snoozeTomorrow: 'Until tomorrow',
  snoozeCancel: 'Cancel',
  snoozeLabel: 'Snooze “{title}”',
  delete: 'Delete',
  unread: 'Unread',
  loading: 'Loading notifications…',
  loadingMore: 'Loading more…',
  empty: 'You’re all caught up.',
  emptyUnread: 'No unread notifications.',
  emptyArchived: 'Nothing archived.',
  error: 'Notifications could not be loaded.',
  retry: 'Try again',
  offline: 'You are offline. New notifications will show when you are back.',
  reconnecting: 'Reconnecting…',
  announceNew: 'New notification: {title}',
  dismissed: 'Archived.',
  snoozed: 'Snoozed until {time}.',
  deleted: 'Deleted.',
  undo: 'Undo',
  actionFailed: 'That did not work. Please try again.',
  notSignedIn: 'Not signed in.',
}

export const de: InboxStrings = {
  bell: 'Benachrichtigungen',
  bellUnread: 'Benachrichtigungen, {count} ungelesen',
  badgeMore: '99+',
  title: 'Benachrichtigungen',
  close: 'Benachrichtigungen schließen',
  tabsLabel: 'Anzeigen',
  tabUnread: 'Ungelesen',
  tabAll: 'Alle',
  tabArchived: 'Archiviert',
  markAllRead: 'Alle als gelesen markieren',
  markRead: 'Als gelesen markieren',
  markUnread: 'Als ungelesen markieren',
  dismiss: 'Archivieren',
  undismiss: 'Wiederherstellen',
  snooze: 'Zurückstellen',
  snoozeHour: 'Für 1 Stunde',
  snoozeTomorrow: 'Bis morgen',
  snoozeCancel: 'Abbrechen',
  snoozeLabel: '„{title}“ zurückstellen',
  delete: 'Löschen',
  unread: 'Ungelesen',
  loading: 'Benachrichtigungen werden geladen…',
  loadingMore: 'Weitere werden geladen…',
  empty: 'Alles erledigt.',
  emptyUnread: 'Keine ungelesenen Benachrichtigungen.',
  emptyArchived: 'Nichts archiviert.',
  error: 'Die Benachrichtigungen konnten nicht geladen werden.',
  retry: 'Erneut versuchen',
  offline: 'Sie sind offline. Neue Benachrichtigungen erscheinen, sobald Sie wieder online sind.',
  reconnecting: 'Verbindung wird wiederhergestellt…',
  announceNew: 'Neue Benachrichtigung: {title}',
  dismissed: 'Archiviert.',
  snoozed: 'Zurückgestellt bis {time}.',
  deleted: 'Gelöscht.',
  undo: 'Rückgängig',
  actionFailed: 'Das hat nicht geklappt. Bitte versuchen Sie es erneut.',
  notSignedIn: 'Nicht angemeldet.',
}

/** The languages shipped, by primary language subtag. */
export const LANGUAGES: Record<string, InboxStrings> = { en, de }

/** The shipped table for a BCP 47 tag ('de-AT' → German), English for anything else. */
export function stringsFor(locale: string): InboxStrings {
  const primary = locale.toLowerCase().split('-')[0] ?? 'en'
  return LANGUAGES[primary] ?? en
}

/** `{name}` placeholders replaced by `values`; unknown ones are left as they are. */
export function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  )
}
