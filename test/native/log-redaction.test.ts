import assert from 'node:assert/strict'
import { test } from 'node:test'
import { mintToken } from '../../src/auth/tokens.ts'
import { describeEngines } from '../support/harness.ts'
import { streamClient } from '../support/sse.ts'

/** Every line the suite's Herald logs, at `info` (the production default). */
const lines: string[] = []
const stream = { write: (line: string) => lines.push(line) }

describeEngines(
  'credentials in logs and error bodies',
  (get) => {
    const client = streamClient(() => get().app)

    test('a live stream opened with ?access_token= is logged without it', async () => {
      const h = get()
      const token = await h.token({ tenant: h.tenant(), user: 'alice' })
      lines.length = 0
      const stream = await client.open(token)
      assert.equal((await stream.next()).event, 'counts')
      stream.close()
      const log = lines.join('')
      assert.ok(log.includes('/v1/me/stream?access_token=[REDACTED]'), log)
      assert.ok(!log.includes(token), log)
    })

    test('no log line holds a token, whether it came in the query, a header or a cookie', async () => {
      const h = get()
      const tenant = h.tenant()
      const token = await h.token({ tenant, user: 'alice' })
      const forged = await mintToken('another-secret-0123456789-abcdefghijklmn', {
        tenant,
        user: 'alice',
      })
      lines.length = 0
      const asked = [
        await h.app.inject({ url: `/v1/me/stream?access_token=${forged}` }),
        await h.app.inject({ url: `/v1/me/counts?x=1&access_token=${token}` }),
        await h.app.inject({
          url: '/v1/me/counts',
          headers: { authorization: `Bearer ${token}`, cookie: `session=${token}` },
        }),
        await h.app.inject({
          url: '/compat/productive/api/v2/notifications',
          headers: { 'x-auth-token': token, 'x-organization-id': tenant },
        }),
      ]
      assert.deepEqual(
        asked.map((r) => r.statusCode >= 500),
        [false, false, false, false],
      )
      const log = lines.join('')
      assert.ok(log.includes('/v1/me/stream?access_token=[REDACTED]'), log)
      assert.ok(log.includes('/v1/me/counts?x=1&access_token=[REDACTED]'), log)
      for (const secret of [token, forged]) assert.ok(!log.includes(secret), log)
    })

    test('a header logged with some other line is redacted', () => {
      const h = get()
      lines.length = 0
      h.app.log.warn(
        { headers: { authorization: 'Bearer sekrit', 'x-auth-token': 'sekrit', cookie: 'sekrit' } },
        'headers',
      )
      const log = lines.join('')
      assert.ok(log.includes('[REDACTED]') && !log.includes('sekrit'), log)
    })

    test('a not-found answer does not echo the token of its URL', async () => {
      const h = get()
      const token = await h.token({ tenant: h.tenant(), user: 'alice' })
      const res = await h.app.inject({ url: `/v1/nowhere?access_token=${token}` })
      assert.equal(res.statusCode, 404)
      assert.ok(!res.body.includes(token), res.body)
      assert.match(res.body, /access_token=\[REDACTED\]/)
    })
  },
  { env: { LOG_LEVEL: 'info' }, logger: stream },
)
