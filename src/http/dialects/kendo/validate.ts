import type { BulkResult, IdTarget, Inbox, Viewer } from '../../../core/inbox.ts'
import { validationFailed } from './errors.ts'

const FIELD = 'notification_ids'

/**
 * PHP's FILTER_VALIDATE_INT, which Laravel's `integer` rule uses: integers, and strings that spell
 * one (surrounding whitespace and a sign allowed, no leading zeros).
 */
function asInteger(v: unknown): number | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : null
  if (typeof v !== 'string' || !/^\s*[+-]?(0|[1-9]\d*)\s*$/.test(v)) return null
  const n = Number(v.trim())
  return Number.isSafeInteger(n) ? n : null
}

const isMissing = (v: unknown) =>
  v === undefined || v === null || (typeof v === 'string' && v.trim() === '')

/**
 * The field-level rules (required, array, min:1) and the per-element `integer` rule. Returns every
 * element, as a number or null where `integer` failed.
 */
function parseIds(body: unknown): Array<number | null> {
  const input =
    body !== null && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>)[FIELD]
      : undefined
  if (isMissing(input))
    throw validationFailed({ [FIELD]: ['The notification ids field is required.'] })
  if (!Array.isArray(input)) {
    throw validationFailed({ [FIELD]: ['The notification ids field must be an array.'] })
  }
  if (input.length === 0) {
    throw validationFailed({ [FIELD]: ['The notification ids field must have at least 1 items.'] })
  }
  return input.map(asInteger)
}

const invalidAt = (i: number) => `The selected ${FIELD}.${i} is invalid.`
const notIntegerAt = (i: number) => `The ${FIELD}.${i} field must be an integer.`

/** Per-element messages in element order, as Laravel reports a `.*` rule. */
function elementErrors(values: Array<number | null>, bad: Set<number>): Record<string, string[]> {
  const errors: Record<string, string[]> = {}
  values.forEach((v, i) => {
    if (v === null) errors[`${FIELD}.${i}`] = [notIntegerAt(i)]
    else if (bad.has(v)) errors[`${FIELD}.${i}`] = [invalidAt(i)]
  })
  return errors
}

/**
 * Validates `notification_ids` the way Kendo's form request does (every id must be one of the
 * caller's own) and runs the operation only when all of them pass: one bad id changes nothing.
 */
export async function withOwnIds(
  inbox: Inbox,
  viewer: Viewer,
  body: unknown,
  run: (target: IdTarget) => Promise<BulkResult>,
): Promise<void> {
  const values = parseIds(body)
  const ids = [...new Set(values.filter((v): v is number => v !== null))]
  if (values.includes(null)) {
    const report = ids.length > 0 ? await inbox.classify(viewer, ids) : null
    const bad = new Set([...(report?.missing ?? []), ...(report?.foreign ?? [])].map(Number))
    throw validationFailed(elementErrors(values, bad))
  }
  const r = await run({ ids, invalid: 'reject' })
  if (!r.applied) throw validationFailed(elementErrors(values, new Set(r.invalid.map(Number))))
}
