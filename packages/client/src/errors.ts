/**
 * Thrown for any answer outside 2xx, read from Herald's error body
 * `{"error": {"code", "message", "details"?, "requestId"}}`; an answer without one (a proxy's
 * page, say) gets the code `HTTP_<status>`.
 *
 * @example
 * try { await inbox.notifications.get(42) } catch (e) {
 *   if (e instanceof HeraldApiError && e.code === 'NOT_FOUND') showGone()
 * }
 */
export class HeraldApiError extends Error {
  readonly status: number
  readonly code: string
  readonly details?: unknown
  readonly requestId?: string

  constructor(
    status: number,
    code: string,
    message: string,
    details?: unknown,
    requestId?: string,
  ) {
    super(message)
    this.name = 'HeraldApiError'
    this.status = status
    this.code = code
    this.details = details
    this.requestId = requestId
  }
}

export async function errorOf(res: Response): Promise<HeraldApiError> {
  let body: unknown
  try {
    body = await res.json()
  } catch {
    // Not JSON: the status is all there is.
  }
  const e = (body as { error?: Record<string, unknown> } | undefined)?.error
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined)
  return new HeraldApiError(
    res.status,
    text(e?.code) ?? `HTTP_${res.status}`,
    text(e?.message) ?? (res.statusText || `HTTP ${res.status}`),
    e?.details,
    text(e?.requestId),
  )
}
