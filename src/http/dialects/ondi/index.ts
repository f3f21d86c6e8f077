import type { FastifyInstance } from 'fastify'
import type { Surface, SurfaceOptions } from '../../app.ts'
import { authenticate } from './auth.ts'
import { ondiErrorHandler, ondiNotFound } from './errors.ts'
import { ondiRoutes } from './routes.ts'

/**
 * Ondi's messaging notifications API (list, mark-read, stats) over Herald's core, with Ondi's
 * `{success, message, …}` envelope on every answer, errors included.
 */
export const ondi: Surface = async (app: FastifyInstance, { core, auth }: SurfaceOptions) => {
  app.setErrorHandler(ondiErrorHandler)
  app.setNotFoundHandler(ondiNotFound)

  // Ondi's clients send `Content-Type: application/json` with no body on mark-read ("mark all"):
  // an empty JSON body is "no body", not a parse error. Only JSON is read: a text body is 415
  // rather than a string nobody meant as "mark all".
  const parseJson = app.getDefaultJsonParser('error', 'ignore')
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = String(body)
    if (text.trim() === '') return done(null, undefined)
    return parseJson(req, text, done)
  })

  // Before the body is read, so a bad credential is always 401 whatever else is wrong.
  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.url !== undefined) await authenticate(auth, req)
  })

  await app.register(ondiRoutes, { core })
}
