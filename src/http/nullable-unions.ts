// Response schemas as the serializer reads them. A TypeBox "X or null" (`T.Union([X, T.Null()])`)
// is an `anyOf`, which fast-json-stringify serialises by validating the value against each
// option with ajv, one after the other, formats included: for a page of twenty notifications,
// about 300 ajv calls (a date-time's regular expressions among them), about a third of the
// page's serialisation in the bench's profile. The same schema with `nullable: true` is
// serialised as `null` or as X, picked by one comparison. Only the serializer gets the rewritten
// schema; validation and the OpenAPI documents keep the union as written.

type Schema = Record<string, unknown>

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null

const isNull = (s: unknown): boolean => isObject(s) && s.type === 'null' && s.const === undefined

/** An option that a `nullable` can stand beside: one type, and nothing that combines schemas. */
const single = (s: unknown): s is Schema =>
  isObject(s) &&
  typeof s.type === 'string' &&
  s.type !== 'null' &&
  ['anyOf', 'oneOf', 'allOf', 'not', 'if', '$ref', 'nullable', 'const'].every((k) => !(k in s))

/**
 * The schema with every two-option union of one type and null, at any depth, written as that
 * type with `nullable: true`; anything else is copied as it is (the input is never changed).
 */
export function nullableUnions(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(nullableUnions)
  if (!isObject(schema)) return schema
  const out: Schema = {}
  for (const [k, v] of Object.entries(schema)) out[k] = nullableUnions(v)
  const options = out.anyOf
  if (!Array.isArray(options) || options.length !== 2) return out
  const nullAt = options.findIndex(isNull)
  const other = options[1 - nullAt]
  if (nullAt < 0 || !single(other)) return out
  const { anyOf: _, ...siblings } = out
  return { ...siblings, ...other, nullable: true }
}
