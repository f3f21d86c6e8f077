import { MESSAGES, mantleError } from './errors.ts'
import { coreTypeOf } from './render.ts'

/** What the admin create route (M9) takes from its body, already coerced the way Mantle2 does. */
export interface CreateFields {
  title: string
  description: string
  type: string
  link: string | null
  source: string
}

/** A JSON object body, or 400 Invalid JSON: empty, `{}`, non-objects and syntax errors alike. */
export function parseObject(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'string' || raw.trim() === '') throw mantleError(400, MESSAGES.invalidJson)
  let data: unknown
  try {
    data = JSON.parse(raw)
  } catch {
    throw mantleError(400, MESSAGES.invalidJson)
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw mantleError(400, MESSAGES.invalidJson)
  }
  if (Object.keys(data).length === 0) throw mantleError(400, MESSAGES.invalidJson)
  return data as Record<string, unknown>
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null)

/** Title and description are required; type and source fall back instead of failing. */
export function createFields(body: Record<string, unknown>): CreateFields {
  const title = text(body.title)
  const description = text(body.description)
  if (title === null || description === null) throw mantleError(400, MESSAGES.missingFields)
  return {
    title,
    description,
    type: coreTypeOf(body.type),
    link: text(body.link),
    source: text(body.source) ?? 'system',
  }
}

const PUSH_TOKEN = { min: 10, max: 512 }

/** The push registration body (M10): a device token of 10–512 characters and a platform. */
export function pushFields(body: Record<string, unknown>): { token: string; platform: string } {
  const token = body.token
  const platform = text(body.platform)
  if (typeof token !== 'string' || token.length < PUSH_TOKEN.min || token.length > PUSH_TOKEN.max) {
    throw mantleError(400, 'Push token must be 10 to 512 characters')
  }
  if (platform === null) throw mantleError(400, 'Missing platform')
  return { token, platform }
}
