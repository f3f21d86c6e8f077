import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeEngines } from '../support/harness.ts'
import { streamClient } from '../support/sse.ts'

const METRICS_TOKEN = 'metrics-token-0123456789'

const secured = (headers: Record<string, unknown>, url: string) => {
  assert.equal(headers['x-content-type-options'], 'nosniff', url)
  assert.equal(headers['x-frame-options'], 'DENY', url)
  assert.equal(headers['referrer-policy'], 'no-referrer', url)
  assert.match(String(headers['content-security-policy']), /frame-ancestors 'none'/, url)
}

describeEngines(
  'security headers',
  (get) => {
    const client = streamClient(() => get().app)

    test('the stream, which writes its own head, carries them too, and no-store', async () => {
      const h = get()
      const stream = await client.open(await h.token({ tenant: h.tenant(), user: 'alice' }))
      const headers = Object.fromEntries(stream.headers)
      stream.close()
      assert.equal(headers['x-content-type-options'], 'nosniff')
      assert.equal(headers['x-frame-options'], 'DENY')
      assert.match(String(headers['cache-control']), /no-store/)
    })

    test('native, dialect, error and root answers carry them; authenticated ones are no-store', async () => {
      const h = get()
      const tenant = h.tenant()
      const token = await h.token({ tenant, user: 'alice' })
      const bearer = { authorization: `Bearer ${token}` }
      const asked: Array<[string, Record<string, string>, boolean]> = [
        ['/v1/me/notifications', bearer, true],
        [
          '/compat/productive/api/v2/notifications',
          { 'x-auth-token': token, 'x-organization-id': tenant },
          true,
        ],
        ['/v1/me/notifications', {}, false],
        ['/healthz', {}, false],
        ['/openapi.json', {}, false],
      ]
      for (const [url, headers, authenticated] of asked) {
        const res = await h.app.inject({ url, headers })
        assert.equal(res.statusCode < 500, true, `${url}: ${res.statusCode}`)
        secured(res.headers, url)
        assert.deepEqual(String(res.headers['content-security-policy']).split(/;\s*/), [
          "default-src 'none'",
          "frame-ancestors 'none'",
          "base-uri 'none'",
          "form-action 'none'",
        ])
        // The inbox component reads the API from another origin: no policy may block it.
        assert.equal(res.headers['cross-origin-resource-policy'], 'cross-origin', url)
        assert.equal(
          res.headers['strict-transport-security'],
          'max-age=31536000; includeSubDomains',
        )
        if (authenticated) {
          assert.equal(res.statusCode, 200, `${url}: ${res.body}`)
          assert.equal(res.headers['cache-control'], 'no-store', url)
        }
      }
    })

    test('/docs loads under its CSP: every script and style it names is same-origin and served', async () => {
      const h = get()
      const page = await h.app.inject({ url: '/docs/' })
      assert.equal(page.statusCode, 200, page.body)
      secured(page.headers, '/docs/')
      const csp = String(page.headers['content-security-policy'])
      assert.match(csp, /script-src 'self'/)
      assert.ok(!/<script>|<script [^>]*>[^<\s]/.test(page.body), 'no inline script')
      const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string)
      assert.ok(
        assets.some((a) => a.endsWith('swagger-ui-bundle.js')),
        page.body,
      )
      for (const a of assets) {
        assert.ok(!/^[a-z]+:/i.test(a), `${a} is not same-origin`)
        const url = new URL(a, 'http://herald.test/docs/').pathname
        const res = await h.app.inject({ url })
        assert.equal(res.statusCode, 200, url)
        secured(res.headers, url)
      }
      const init = await h.app.inject({ url: '/docs/static/swagger-initializer.js' })
      const spec = /url: ?['"]([^'"]+)['"]/.exec(init.body)?.[1] ?? './json'
      const doc = await h.app.inject({
        url: new URL(spec, 'http://herald.test/docs/').pathname,
      })
      assert.equal(doc.statusCode, 200, `${spec}: ${doc.body.slice(0, 200)}`)
      assert.equal(doc.json().openapi, '3.1.0')
    })

    test('/metrics answers 401 in the native shape without its token, and the metrics with it', async () => {
      const h = get()
      for (const authorization of [undefined, 'Bearer wrong-token-0123456789', METRICS_TOKEN]) {
        const res = await h.app.inject({
          url: '/metrics',
          headers: authorization ? { authorization } : {},
        })
        assert.equal(res.statusCode, 401, String(authorization))
        assert.equal(res.json().error.code, 'UNAUTHENTICATED')
        secured(res.headers, '/metrics')
      }
      const ok = await h.app.inject({
        url: '/metrics',
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      })
      assert.equal(ok.statusCode, 200)
      assert.match(ok.body, /herald_http_request_duration_seconds/)
    })
  },
  { env: { HERALD_METRICS_TOKEN: METRICS_TOKEN } },
)
