// One statement's answer as PGlite's PostgreSQL writes it: the backend messages of the wire
// protocol, read straight from their bytes (pglite-statements.ts gets them raw). PGlite's own
// reader copies every value into an ArrayBuffer of its own before decoding it, and builds an
// object per message: on the worker thread, the one PostgreSQL runs on, that was more of a
// page's time than PostgreSQL's own work (bench/README.md). Here the worker only checks an
// answer for an error and passes its bytes on; the main thread, mostly idle while the store
// works, makes the rows (decodeResult).

import { timestamptzParser } from './pg-timestamp.ts'
import { rowMaker } from './row-maker.ts'

/** A value's parser: its text, as PostgreSQL printed it, into what the store's callers read. */
export type Parser = (text: string, oid: number) => unknown

export interface WireResult {
  rows: Array<Record<string, unknown>>
  affectedRows?: number
}

/** An ErrorResponse's fields, as PGlite's own errors carry them. */
export interface WireError {
  message: string
  code?: string
  detail?: string
  constraint?: string
}

const when = (s: string): unknown =>
  s === 'infinity'
    ? Number.POSITIVE_INFINITY
    : s === '-infinity'
      ? Number.NEGATIVE_INFINITY
      : new Date(s)
const text: Parser = (s) => s
const number: Parser = (s) => +s

/**
 * The parsers of the types the main thread reads itself, the same values PGlite's default
 * parsers give (an int8 a number while it is a safe integer, a BigInt past that); a result with
 * a column of any other type (an array, bytea, numeric…) is parsed on the worker by PGlite's own.
 */
export const MAIN_PARSERS: ReadonlyMap<number, Parser> = new Map<number, Parser>([
  [16, (s) => s === 't'], // bool
  [18, text], // char
  [19, text], // name
  [
    20,
    (s) => {
      const n = Number(s)
      return Number.isSafeInteger(n) ? n : BigInt(s)
    },
  ], // int8
  [21, number], // int2
  [23, number], // int4
  [25, text], // text
  [26, number], // oid
  [114, (s) => JSON.parse(s)], // json
  [700, number], // float4
  [701, number], // float8
  [1042, text], // bpchar
  [1043, text], // varchar
  [1082, when], // date
  [1114, when], // timestamp
  [1184, timestamptzParser(when) as Parser], // timestamptz
  [2950, text], // uuid
  [3802, (s) => JSON.parse(s)], // jsonb
])

const int32 = (b: Uint8Array, at: number) =>
  ((b[at] as number) << 24) |
  ((b[at + 1] as number) << 16) |
  ((b[at + 2] as number) << 8) |
  (b[at + 3] as number)
const int16 = (b: Uint8Array, at: number) => ((b[at] as number) << 8) | (b[at + 1] as number)

const T = 0x54 // RowDescription
const D = 0x44 // DataRow
const C = 0x43 // CommandComplete
const E = 0x45 // ErrorResponse

/** A NUL-terminated string from `at`, and where the next thing starts (past the end if unended). */
function cstring(buf: Buffer, at: number): [string, number] {
  const found = buf.indexOf(0, at)
  const end = found < 0 ? buf.length : found
  return [buf.toString('utf8', at, end), end + 1]
}

const bufferOf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)

/**
 * What the worker needs to know of an answer before passing it on: its error, if PostgreSQL
 * sent one, and the type of each column of its rows.
 */
export function scanResult(bytes: Uint8Array): { error: WireError | null; types: number[] } {
  const buf = bufferOf(bytes)
  let types: number[] = []
  for (let at = 0; at + 5 <= buf.length; ) {
    const kind = buf[at]
    const end = at + 1 + int32(buf, at + 1)
    // A length under its own four bytes is no message: stop rather than go round.
    if (end < at + 5) break
    if (kind === E) return { error: errorFields(buf, at + 5, end), types }
    if (kind === T) types = rowDescription(buf, at + 5).map((f) => f.type)
    at = end
  }
  return { error: null, types }
}

/** Whether the main thread parses every column of these types itself. */
export const parsedOnMain = (types: readonly number[]): boolean =>
  types.every((t) => MAIN_PARSERS.has(t))

const mainParser = (oid: number) => MAIN_PARSERS.get(oid)

/** An answer the worker passed on (its types all `parsedOnMain`), read as the main thread does. */
export const readOnMain = (raw: Uint8Array): WireResult => decodeResult(raw, mainParser)

function errorFields(buf: Buffer, at: number, end: number): WireError {
  const error: WireError = { message: '' }
  while (at < end && buf[at] !== 0) {
    const field = String.fromCharCode(buf[at] as number)
    const [value, next] = cstring(buf, at + 1)
    at = next
    if (field === 'M') error.message = value
    else if (field === 'C') error.code = value
    else if (field === 'D') error.detail = value
    else if (field === 'n') error.constraint = value
  }
  return error
}

function rowDescription(buf: Buffer, at: number): Array<{ name: string; type: number }> {
  const count = int16(buf, at)
  at += 2
  const fields: Array<{ name: string; type: number }> = []
  for (let i = 0; i < count; i++) {
    const [name, next] = cstring(buf, at)
    // table oid (4), column number (2), type oid (4), size (2), modifier (4), format (2)
    fields.push({ name, type: int32(buf, next + 6) })
    at = next + 18
  }
  return fields
}

/** "UPDATE 3", "INSERT 0 1", "DELETE 2": the rows a command changed. */
function affected(tag: string | undefined): number | undefined {
  const m = /^(?:INSERT \d+|UPDATE|DELETE|MERGE|COPY) (\d+)$/.exec(tag ?? '')
  return m ? Number(m[1]) : undefined
}

/**
 * An answer's rows (objects with the columns' names as keys, values parsed by `parserOf` their
 * type, the text itself for a type without one) and the rows its command changed. An answer with
 * an ErrorResponse is never decoded: the worker has thrown its error (scanResult).
 */
export function decodeResult(
  bytes: Uint8Array,
  parserOf: (oid: number) => Parser | undefined,
): WireResult {
  const buf = bufferOf(bytes)
  const rows: Array<Record<string, unknown>> = []
  let parsers: Array<Parser | undefined> = []
  let types: number[] = []
  let make = rowMaker([])
  let tag: string | undefined
  for (let at = 0; at + 5 <= buf.length; ) {
    const kind = buf[at]
    const end = at + 1 + int32(buf, at + 1)
    if (end < at + 5) break
    if (kind === D) {
      const count = int16(buf, at + 5)
      const values = new Array<unknown>(count)
      let p = at + 7
      for (let i = 0; i < count; i++) {
        const size = int32(buf, p)
        p += 4
        if (size < 0) {
          values[i] = null
          continue
        }
        const s = buf.toString('utf8', p, p + size)
        p += size
        const parse = parsers[i]
        values[i] = parse ? parse(s, types[i] as number) : s
      }
      rows.push(make(values))
    } else if (kind === T) {
      const fields = rowDescription(buf, at + 5)
      types = fields.map((f) => f.type)
      parsers = types.map(parserOf)
      make = rowMaker(fields.map((f) => f.name))
    } else if (kind === C) {
      tag = buf.toString('utf8', at + 5, end - 1)
    }
    at = end
  }
  return { rows, affectedRows: affected(tag) }
}
