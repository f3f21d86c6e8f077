import type { FastifyRequest } from 'fastify'
import { invalidScheme, malformedAuth } from './errors.ts'

type Parsed =
  | { kind: 'absent' }
  | { kind: 'malformed' }
  | { kind: 'other-scheme' }
  | { kind: 'token'; credential: string }

/**
 * Decodes base64 the way Python's lenient `b64decode` does: characters outside the alphabet are
 * dropped, and too little padding is an error. Null where Python would raise.
 */
function lenientBase64(text: string): string | null {
  const clean = text.replace(/[^A-Za-z0-9+/=]/g, '')
  const pad = clean.indexOf('=')
  const data = pad < 0 ? clean : clean.slice(0, pad)
  const padding = pad < 0 ? 0 : clean.length - pad
  const rest = data.length % 4
  if (rest === 1 || (rest !== 0 && padding < 4 - rest)) return null
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(data, 'base64'))
  } catch {
    return null
  }
}

/** Splits `Authorization` as TM's middleware does: two whitespace-separated words. */
export function parseAuthorization(header: string | undefined): Parsed {
  if (header === undefined) return { kind: 'absent' }
  const words = header.split(/\s+/).filter(Boolean)
  const [scheme, value] = words
  if (words.length !== 2 || scheme === undefined || value === undefined) {
    return { kind: 'malformed' }
  }
  if (scheme.toLowerCase() !== 'token') return { kind: 'other-scheme' }
  const credential = lenientBase64(value)
  return credential === null ? { kind: 'malformed' } : { kind: 'token', credential }
}

/** The middleware's check, which TM applies to every path, routed or not. */
export const isMalformed = (header: string | undefined): boolean =>
  parseAuthorization(header).kind === 'malformed'

/**
 * The credential in `Authorization: Token <base64 of a Herald user token>`, none when the header
 * is absent, or TM's exact refusal of a header it cannot use.
 */
export function credential(req: FastifyRequest): string | null {
  const parsed = parseAuthorization(req.headers.authorization)
  if (parsed.kind === 'absent') return null
  if (parsed.kind === 'malformed') throw malformedAuth()
  if (parsed.kind === 'other-scheme') throw invalidScheme()
  return parsed.credential
}
