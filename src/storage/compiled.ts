import { type Compilable, CompiledQuery, type Kysely } from 'kysely'
import type { Database } from './schema.ts'

/**
 * Values a template is built with, standing for each call's own: a statement's text does not
 * depend on them (they only ever become parameters), so it is built and compiled once.
 */
export interface Markers {
  tenantId: string
  userId: string
  now: Date
  at: Date
  id: number
  limit: number
  /** A list of ids (an array parameter); a template gets the caller's array in its place. */
  ids: number[]
}

export const MARKERS: Markers = {
  tenantId: '\u0001tenant',
  userId: '\u0001user',
  now: new Date(-1_000_000_001),
  at: new Date(-1_000_000_002),
  id: -1_000_000_003,
  limit: -1_000_000_004,
  ids: [-1_000_000_005],
}

type Slot = keyof Markers

const SLOTS = Object.keys(MARKERS) as Slot[]

const slotOf = (p: unknown): Slot | null => SLOTS.find((k) => MARKERS[k] === p) ?? null

/** A marker that was changed on its way to a parameter (a copy, arithmetic) would be baked in. */
const looksLikeMarker = (p: unknown): boolean =>
  (typeof p === 'string' && p.includes('\u0001')) ||
  (typeof p === 'number' && p <= -1_000_000_000) ||
  (p instanceof Date && p.getTime() <= -1_000_000_000) ||
  (Array.isArray(p) && p.some(looksLikeMarker))

export type Template = (values: Partial<Markers>) => CompiledQuery

/**
 * Statements whose plan the embedded store lets PostgreSQL reuse (a generic plan); it plans every
 * other statement for its values (see pglite-statements.ts).
 */
const kept = new WeakSet<CompiledQuery>()

/** Whether a template marked `keep` made this statement (see pglite-dialect.ts). */
export const isKept = (q: CompiledQuery): boolean => kept.has(q)

/**
 * Builds and compiles a statement once, with `MARKERS` in place of the values that change from
 * call to call; each call then only fills in its parameters. Building and compiling a Kysely
 * query is about a tenth of the CPU of a badge count's request.
 */
export function template(build: (m: Markers) => Compilable, keep = false): Template {
  const compiled = build(MARKERS).compile()
  const slots = compiled.parameters.map(slotOf)
  compiled.parameters.forEach((p, i) => {
    if (slots[i] === null && looksLikeMarker(p)) {
      throw new Error(`a template's parameter ${i + 1} is a marker changed on its way`)
    }
  })
  return (values) => {
    // The clock's time is a parameter of every expiry and snooze test, several a statement: as
    // a Date each became text through pg's local-time formatting, once per use. Sent as the ISO
    // text of the same instant, made once (the parameters are timestamptz, so both read alike).
    const now = values.now?.toISOString()
    const parameters = compiled.parameters.map((p, i) => {
      const slot = slots[i]
      if (slot === null || slot === undefined) return p
      const v = slot === 'now' ? now : values[slot]
      if (v === undefined) throw new Error(`a template's ${slot} was not given`)
      return v
    })
    const query = CompiledQuery.raw(compiled.sql, parameters)
    if (keep) kept.add(query)
    return query
  }
}

const caches = new WeakMap<Kysely<Database>, Map<string, Template>>()

/** The template of `key` for this database, built on first use. */
export function templateFor(
  db: Kysely<Database>,
  key: string,
  build: (m: Markers) => Compilable,
  keep = false,
): Template {
  let cache = caches.get(db)
  if (!cache) {
    cache = new Map()
    caches.set(db, cache)
  }
  let t = cache.get(key)
  if (!t) {
    t = template(build, keep)
    cache.set(key, t)
  }
  return t
}
