import type { FastifyInstance } from 'fastify'

/**
 * Laravel's idea of request input: a JSON body when the content type mentions json, and nothing
 * otherwise. Malformed JSON is not an error there either; it reaches validation as no input, so
 * the client gets the usual 422 instead of a parse failure.
 */
export function parseLaravelInput(contentType: string | undefined, raw: string): unknown {
  const ct = (contentType ?? '').toLowerCase()
  if (!(ct.includes('/json') || ct.includes('+json')) || raw.trim() === '') return undefined
  try {
    return JSON.parse(raw)
  } catch {
    return undefined
  }
}

/** Replaces Fastify's parsers in this plugin so no content type is refused and no JSON fails. */
export function installBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    done(null, parseLaravelInput(req.headers['content-type'], String(body)))
  })
}
