/**
 * Kendo's notification type enumeration onto core type keys: the only place the mapping lives.
 * A producer sends the key (`type: 'lane_change'`); the dialect renders the integer.
 */
export const KENDO_TYPES = {
  1: 'assignment',
  2: 'comment',
  3: 'lane_change',
  4: 'mention',
} as const

const BY_KEY = new Map<string, number>(
  Object.entries(KENDO_TYPES).map(([value, key]) => [key, Number(value)]),
)

/** The Kendo integer for a core type key; null for a key Kendo has no value for. */
export const kendoType = (key: string): number | null => BY_KEY.get(key) ?? null
