import type { FastifyInstance } from 'fastify'
import { HeraldError } from '../core/errors.ts'

/**
 * A graceful stop for `app.close()`, in place of cutting every connection: from the moment it
 * starts, a request (one arriving on a keep-alive connection, say) is answered UNAVAILABLE in its
 * surface's shape before any work, with `Connection: close`; requests in flight finish and close
 * their connection; whatever is still open after `timeoutMs` is cut. Fastify itself stops
 * accepting connections and closes idle ones. Live streams end themselves on `preClose`.
 */
export function drainOnClose(app: FastifyInstance, timeoutMs: number): void {
  let draining = false
  let cut: NodeJS.Timeout | undefined
  app.addHook('preClose', (done) => {
    draining = true
    cut = setTimeout(() => app.server.closeAllConnections(), timeoutMs)
    cut.unref()
    done()
  })
  app.addHook('onClose', (_app, done) => {
    clearTimeout(cut)
    done()
  })
  // Both hooks are on every request's path: callbacks, not promises, as nothing here waits.
  app.addHook('onRequest', (_req, _reply, done) => {
    if (!draining) return done()
    done(new HeraldError('UNAVAILABLE', 'the server is shutting down; retry', { retryAfter: 1 }))
  })
  // A response finished during the drain closes its connection, so no idle keep-alive socket
  // holds the stop open until the keep-alive timeout.
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (draining) reply.header('connection', 'close')
    done(null, payload)
  })
}
