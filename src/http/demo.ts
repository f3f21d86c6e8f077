import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type as T } from 'typebox'
import { mintToken } from '../auth/tokens.ts'
import { DEMO_CSS, DEMO_JS, demoHtml } from './demo-page.ts'

export const DEMO_TENANT = 'demo'
export const DEMO_USER = 'demo-user'
/** The page asks for a new token a minute before this runs out. */
const TOKEN_TTL_S = 15 * 60
// From src/http/ when run from source; from dist/ when compiled (scripts/build-server.mjs).
const BUNDLE = fileURLToPath(
  new URL(
    `${import.meta.url.endsWith('.ts') ? '../..' : '..'}/packages/inbox/dist/herald-inbox.js`,
    import.meta.url,
  ),
)

/** The page loads its scripts, styles and API answers from this origin only. */
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

const PEOPLE = [
  { id: 'ada', displayName: 'Ada Lovelace' },
  { id: 'grace', displayName: 'Grace Hopper' },
  { id: 'alan', displayName: 'Alan Turing' },
  { id: 'katherine', displayName: 'Katherine Johnson' },
]
const DEEDS = [
  { type: 'comment', title: (who: string) => `${who} commented on “Quarterly plan”` },
  { type: 'mention', title: (who: string) => `${who} mentioned you in “Release checklist”` },
  { type: 'review', title: (who: string) => `${who} asked for your review of pull request 42` },
  { type: 'assign', title: (who: string) => `${who} assigned you “Fix the login page”` },
]

/** The n-th sample notification: from someone, with a link into the page. */
function sample(n: number) {
  const actor = PEOPLE[n % PEOPLE.length] ?? PEOPLE[0]
  const deed = DEEDS[n % DEEDS.length] ?? DEEDS[0]
  if (!actor || !deed) throw new Error('no demo samples')
  return {
    to: { users: [DEMO_USER] },
    type: deed.type,
    title: deed.title(actor.displayName),
    body: `Sample notification ${n + 1}, sent through the producer API.`,
    link: `/demo#notification-${n + 1}`,
    actor,
    mention: deed.type === 'mention',
  }
}

/**
 * `/demo` in development: a page with `<herald-inbox>` signed in as the demo user, the token it
 * needs (minted here with Herald's own HS256 secret), and a button that sends through the
 * producer API from the server side, with an operator token that never leaves the process.
 */
export function registerDemo(root: FastifyInstance, secret: string | null): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const hide = { hide: true }
  let sent = 0
  app.get('/demo', { schema: hide }, async (_req, reply) =>
    reply
      .header('content-security-policy', PAGE_CSP)
      .type('text/html; charset=utf-8')
      .send(demoHtml(existsSync(BUNDLE))),
  )
  app.get('/demo/demo.js', { schema: hide }, async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').send(DEMO_JS),
  )
  app.get('/demo/demo.css', { schema: hide }, async (_req, reply) =>
    reply.type('text/css; charset=utf-8').send(DEMO_CSS),
  )
  app.get('/demo/herald-inbox.js', { schema: hide }, async (_req, reply) => {
    if (!existsSync(BUNDLE)) {
      const why = 'herald-inbox.js is not built: run node scripts/build-browser.mjs'
      return reply
        .code(404)
        .type('text/javascript')
        .send(`console.error(${JSON.stringify(why)})`)
    }
    return reply.type('text/javascript; charset=utf-8').send(await readFile(BUNDLE))
  })
  app.post('/demo/token', { schema: hide }, async (_req, reply) => {
    if (!secret) {
      const message = 'the demo signs its token with HERALD_JWT_SECRET, which is not set'
      return reply.code(503).send({ error: { code: 'UNAVAILABLE', message } })
    }
    const token = await mintToken(secret, {
      tenant: DEMO_TENANT,
      user: DEMO_USER,
      ttl: TOKEN_TTL_S,
    })
    const expiresAt = new Date(Date.now() + TOKEN_TTL_S * 1000).toISOString()
    return reply.header('cache-control', 'no-store').send({ token, expiresAt })
  })
  app.post(
    '/demo/send',
    {
      schema: {
        ...hide,
        body: T.Object(
          { count: T.Optional(T.Integer({ minimum: 1, maximum: 50 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => {
      if (!secret)
        return reply.code(503).send({ error: { code: 'UNAVAILABLE', message: 'no secret' } })
      const operator = await mintToken(secret, {
        tenant: DEMO_TENANT,
        user: 'herald-demo',
        operator: true,
        ttl: 60,
      })
      const count = req.body.count ?? 1
      for (let i = 0; i < count; i++) {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/notifications',
          headers: { authorization: `Bearer ${operator}` },
          payload: sample(sent++),
        })
        if (res.statusCode !== 201) return reply.code(res.statusCode).send(res.json())
      }
      return { sent: count }
    },
  )
}
