import type { InboxFilter, TimeRange } from '../../../core/filters.ts'
import { invalidFilterValue } from './errors.ts'

const LIST_MAX = 1000
const TEXT_MAX = 256

const bool = (name: string, v: string): boolean => {
  const s = v.toLowerCase()
  if (s === 'true' || s === '1') return true
  if (s === 'false' || s === '0') return false
  throw invalidFilterValue(name, v)
}

const list = (name: string, v: string, ok: (item: string) => boolean): string[] => {
  const items = v.split(',').map((s) => s.trim())
  if (items.length > LIST_MAX || items.some((s) => s === '' || !ok(s))) {
    throw invalidFilterValue(name, v)
  }
  return items
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/
// A space before the offset is a `+` that was not URL-encoded.
const STAMP =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?(Z|[+\- ]\d{2}:?\d{2})?$/i

// Both engines' drivers write four-digit years only; nothing is stored past this instant anyway.
const LAST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999)
const clamp = (d: Date): Date => (d.getTime() > LAST_INSTANT ? new Date(LAST_INSTANT) : d)

/** Midnight UTC of a real calendar day `YYYY-MM-DD`, or null. */
function midnight(text: string): Date | null {
  const m = DAY.exec(text)
  if (!m) return null
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const at = new Date(Date.UTC(y, mo - 1, d))
  return y >= 1000 && at.getUTCMonth() === mo - 1 && at.getUTCDate() === d ? at : null
}

/** A calendar day at 00:00 UTC (the organization's zone is taken to be UTC), plus some days. */
function day(name: string, v: string, offsetDays = 0): Date {
  const at = midnight(v)
  if (!at) throw invalidFilterValue(name, v)
  at.setUTCDate(at.getUTCDate() + offsetDays)
  return clamp(at)
}

/** An ISO 8601 date or date-time; one without a zone is UTC. */
function stamp(name: string, v: string): Date {
  const m = STAMP.exec(v)
  const [, date = '', time = '00:00', zone = 'Z'] = m ?? []
  const at = new Date(`${date}T${time}${zone.replace(' ', '+')}`)
  if (!m || !midnight(date) || Number.isNaN(at.getTime())) throw invalidFilterValue(name, v)
  return clamp(at)
}

const earlier = (a: Date | undefined, b: Date) => (a && a < b ? a : b)

export type Apply = (f: InboxFilter, range: TimeRange, v: string) => void

/** The union of the documented filters and the ones the document's own examples use. */
const FILTERS: Record<string, Apply> = {
  id: (f, _, v) => {
    f.ids = list('id', v, (s) => /^\d{1,15}$/.test(s)).map(Number)
  },
  dismissed: (f, _, v) => {
    f.dismissed = bool('dismissed', v) ? 'only' : 'exclude'
  },
  important: (f, _, v) => {
    f.important = bool('important', v)
  },
  type: (f, _, v) => {
    f.targetTypes = list('type', v, (s) => s.length <= TEXT_MAX)
  },
  project_id: (f, _, v) => {
    if (v === '' || v.length > TEXT_MAX || v.includes(','))
      throw invalidFilterValue('project_id', v)
    f.projectId = v
  },
  date_before: (_, r, v) => {
    r.lt = earlier(r.lt, day('date_before', v))
  },
  date_after: (_, r, v) => {
    r.gte = day('date_after', v, 1)
  },
  before: (_, r, v) => {
    r.lt = earlier(r.lt, stamp('before', v))
  },
  after: (_, r, v) => {
    r.gt = stamp('after', v)
  },
}

/** The filter of that name; names inherited from Object.prototype are not filters. */
export const filterNamed = (name: string): Apply | undefined =>
  Object.hasOwn(FILTERS, name) ? FILTERS[name] : undefined
