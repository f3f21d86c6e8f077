// Named prepared statements on PGlite's one session. `PGlite.query` parses, describes and plans
// every statement afresh, in six separate calls into PostgreSQL (parse, describe, bind,
// describe, execute, sync); here a statement with parameters is parsed once (kept by name, as
// `pg` does for PostgreSQL, see db.ts) and then each run is one call: bind, describe, execute,
// sync, batched in one message. Parsing and analysing a page's statement (50 columns, three
// tables) cost more than planning and running it.
//
// A kept statement is planned for each run's values (`plan_cache_mode=force_custom_plan`) unless
// the caller allows PostgreSQL's generic plan (`generic`: the badge counts, whose one plan fits
// every inbox). A list's generic plan, made for an average inbox, read the heavy inbox's deep
// page 14 times slower.
import type { PGlite } from '@electric-sql/pglite'
import {
  decodeResult,
  type Parser,
  parsedOnMain,
  readOnMain,
  scanResult,
  type WireError,
  type WireResult,
} from './pglite-wire.ts'

/** Statements kept prepared at most; the least recently used is closed past it. */
const MAX_STATEMENTS = 256

const encoder = new TextEncoder()

/** A frontend message: its type byte, then its length (itself included) and its body. */
function message(type: string, parts: Uint8Array[]): Uint8Array {
  const size = parts.reduce((n, p) => n + p.length, 0)
  const out = new Uint8Array(5 + size)
  const view = new DataView(out.buffer)
  out[0] = type.charCodeAt(0)
  view.setInt32(1, 4 + size)
  let at = 5
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

const cstring = (s: string) => {
  const bytes = encoder.encode(s)
  const out = new Uint8Array(bytes.length + 1)
  out.set(bytes)
  return out
}

const int16 = (n: number) => {
  const out = new Uint8Array(2)
  new DataView(out.buffer).setInt16(0, n)
  return out
}

const int32 = (n: number) => {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setInt32(0, n)
  return out
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

const parse = (name: string, text: string) => message('P', [cstring(name), cstring(text), int16(0)])
const describe = (kind: 'S' | 'P', name: string) =>
  message('D', [new Uint8Array([kind.charCodeAt(0)]), cstring(name)])
const close = (name: string) => message('C', [new Uint8Array(['S'.charCodeAt(0)]), cstring(name)])
const execute = () => message('E', [cstring(''), int32(0)])
const sync = () => message('S', [])
const simpleQuery = (text: string) => message('Q', [cstring(text)])

/** The session's plan choice for kept statements (see the header). */
type PlanMode = 'auto' | 'force_custom_plan'
/** Each mode's SET, made once: a simple-query message run before a statement in the same call. */
const SET_MODE: Record<PlanMode, Uint8Array> = {
  auto: simpleQuery('SET plan_cache_mode = auto'),
  force_custom_plan: simpleQuery('SET plan_cache_mode = force_custom_plan'),
}

/** Bind to the unnamed portal, every parameter and result in text format. */
function bind(name: string, values: Array<string | null>): Uint8Array {
  const parts = [cstring(''), cstring(name), int16(0), int16(values.length)]
  for (const v of values) {
    if (v === null) parts.push(int32(-1))
    else {
      const bytes = encoder.encode(v)
      parts.push(int32(bytes.length), bytes)
    }
  }
  parts.push(int16(0))
  return message('B', parts)
}

interface Statement {
  name: string
  paramTypes: number[]
}

interface BackendMessage {
  name: string
  dataTypeIDs?: number[]
}

/**
 * A run's answer: its bytes as PostgreSQL wrote them, for the main thread to read (pglite-wire.ts),
 * or, when a column is of a type only PGlite's parsers read, its rows.
 */
export type StatementResult = { raw: Uint8Array } | WireResult

/** The rows of an answer, read where they were not yet. */
export const resultOf = (answer: StatementResult): WireResult =>
  'raw' in answer ? readOnMain(answer.raw) : answer

/** A database error as PGlite's own carry it: its message, code, detail and constraint. */
function databaseError(e: WireError): Error {
  return Object.assign(new Error(e.message), {
    code: e.code,
    detail: e.detail,
    constraint: e.constraint,
  })
}

const isCachedPlanChange = (err: unknown) =>
  (err as { code?: string }).code === '0A000' &&
  /cached plan must not change result type/.test(String((err as Error).message))

/** Runs statements with parameters as named prepared statements on `db`'s session. */
export function preparedStatements(db: PGlite) {
  const statements = new Map<string, Statement>()
  let next = 0
  /**
   * The session's `plan_cache_mode` as last set here; null when unknown. A SET is undone by the
   * rollback of the transaction it ran in, so a rollback or an error forgets it, and the next run
   * sets it again. Only speed depends on it, never a result.
   */
  let mode: PlanMode | null = null

  async function prepare(text: string): Promise<Statement> {
    const known = statements.get(text)
    if (known) {
      // Most recently used last: the first entry is the one to close when full.
      statements.delete(text)
      statements.set(text, known)
      return known
    }
    const name = `h${++next}`
    const evicted = statements.size >= MAX_STATEMENTS ? statements.keys().next().value : undefined
    const oldest = evicted === undefined ? undefined : statements.get(evicted)
    if (evicted !== undefined) statements.delete(evicted)
    const { messages } = await db.execProtocol(
      concat([
        ...(oldest ? [close(oldest.name)] : []),
        parse(name, text),
        describe('S', name),
        sync(),
      ]),
      { syncToFs: false },
    )
    const params = (messages as BackendMessage[]).find((m) => m.name === 'parameterDescription')
    const statement = { name, paramTypes: params?.dataTypeIDs ?? [] }
    statements.set(text, statement)
    return statement
  }

  async function run(
    text: string,
    params: readonly unknown[],
    want: PlanMode,
  ): Promise<StatementResult> {
    const st = await prepare(text)
    const values = params.map((p, i) => {
      if (p === null || p === undefined) return null
      const serialize = db.serializers[st.paramTypes[i] ?? 0]
      return serialize ? serialize(p) : String(p)
    })
    const set = mode === want ? [] : [SET_MODE[want]]
    mode = null
    // The answer's bytes, unread: PGlite's reader copies each value and makes an object of each
    // message, on this thread, the one PostgreSQL runs on (pglite-wire.ts).
    const chunks: Uint8Array[] = []
    await db.execProtocolRawStream(
      concat([...set, bind(st.name, values), describe('P', ''), execute(), sync()]),
      {
        onRawData: (chunk: Uint8Array) => {
          // A view of PostgreSQL's memory, written over by what comes next.
          chunks.push(chunk.slice())
        },
      },
    )
    const raw = chunks.length === 1 ? (chunks[0] as Uint8Array) : concat(chunks)
    const { error, types } = scanResult(raw)
    if (error) throw databaseError(error)
    mode = want
    if (parsedOnMain(types)) return { raw }
    return decodeResult(raw, (oid) => db.parsers[oid] as Parser | undefined)
  }

  async function runOrPrepareAgain(text: string, params: readonly unknown[], want: PlanMode) {
    try {
      return await run(text, params, want)
    } catch (err) {
      // A migration changed a table a kept statement reads: prepare it again, once.
      if (!isCachedPlanChange(err)) throw err
      const st = statements.get(text)
      statements.delete(text)
      if (st) await db.execProtocol(concat([close(st.name), sync()]), { syncToFs: false })
      return run(text, params, want)
    }
  }

  return {
    /**
     * Runs `text` as a kept statement, planned for these values unless `generic` lets
     * PostgreSQL reuse one plan. Under PGlite's query lock, so nothing of its own query (which
     * binds the unnamed portal in calls of its own) runs between a parse and its run, or
     * between its bind and execute.
     */
    query: (text: string, params: readonly unknown[], generic = false): Promise<StatementResult> =>
      db.runExclusive(() =>
        runOrPrepareAgain(text, params, generic ? 'auto' : 'force_custom_plan'),
      ),
    /** A statement run some other way ended its transaction with a rollback, or failed. */
    forgetPlanMode: (): void => {
      mode = null
    },
  }
}
