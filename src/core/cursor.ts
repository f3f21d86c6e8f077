import { HeraldError } from './errors.ts'
import type { Keyset } from './filters.ts'

/** Cursors are opaque to clients (base64url JSON), so the sort behind them can change later. */
export function encodeCursor(k: Keyset): string {
  return Buffer.from(JSON.stringify({ a: k.at.toISOString(), i: k.id })).toString('base64url')
}

export function decodeCursor(cursor: string): Keyset {
  try {
    const raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown
    if (raw && typeof raw === 'object' && 'a' in raw && 'i' in raw) {
      const at = new Date(String(raw.a))
      const id = Number(raw.i)
      // Every stored time has a four-digit year; anything else was not issued here (and would be
      // out of the database's range).
      const year = at.getUTCFullYear()
      if (year >= 0 && year <= 9999 && Number.isSafeInteger(id)) return { at, id }
    }
  } catch {
    // fall through to the validation error
  }
  throw new HeraldError('VALIDATION', 'cursor: not a cursor this API returned', { field: 'cursor' })
}
