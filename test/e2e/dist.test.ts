import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { DIST, distIsCurrent } from '../../bin/dist-state.js'
import { herald, type Served, serve } from '../support/cli.ts'

// The compiled command (dist/, scripts/build-server.mjs) bundles the packages it uses, apart from
// those that read their own files by path. The other suites run src/ through tsx: this one runs
// what `npm start` runs, over HTTP, and checks what the bundle is made of.

/** The packages dist/ may import rather than bundle (see scripts/build-server.mjs). */
const EXTERNAL = /^(node:|@electric-sql\/pglite(\/|$)|@fastify\/swagger-ui$)/

const code = (file: string) => readFileSync(join(DIST, file), 'utf8')

/** What a compiled file imports: `static` (import ... from / import '...') or `dynamic`. */
function importsOf(source: string) {
  // Bundled packages' comments name imports too (JSDoc's `{import('../fastify').X}`).
  const text = source
    .split('\n')
    .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
    .join('\n')
  const statics = [...text.matchAll(/^\s*(?:import|export)\b[^'"();]*?["']([^"']+)["'];?$/gm)]
  const dynamics = [...text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)]
  return {
    static: statics.map((m) => m[1] as string),
    dynamic: dynamics.map((m) => m[1] as string),
  }
}

/** Every file `entry` loads before its first line runs: its static imports, transitively. */
function loadedAtStart(entry: string): string[] {
  const seen = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    for (const spec of importsOf(code(file)).static) {
      if (spec.startsWith('./')) visit(spec.slice(2))
    }
  }
  visit(entry)
  return [...seen]
}

describe('the compiled command (dist/)', () => {
  before(() => {
    assert.ok(distIsCurrent(), 'dist/ is missing or stale: npm run build (scripts/test.mjs does)')
  })

  test('bundles its packages: it imports only node built-ins, PGlite and Swagger UI', () => {
    const files = readdirSync(DIST).filter((f) => f.endsWith('.js'))
    assert.ok(files.includes('cli.js') && files.includes('pglite-worker.js'))
    const imported = new Set<string>()
    for (const file of files) {
      const { static: s, dynamic: d } = importsOf(code(file))
      for (const spec of [...s, ...d]) if (!spec.startsWith('./')) imported.add(spec)
    }
    const outside = [...imported].filter((spec) => !EXTERNAL.test(spec))
    assert.deepEqual(outside, [], 'packages left as imports: bundle them or list them')
    // Fastify's code is in dist/ itself, not loaded from node_modules file by file.
    assert.ok(
      files.some((f) => code(f).includes('node_modules/fastify/fastify.js')),
      'Fastify is not bundled',
    )
  })

  test("`herald token` loads neither Fastify, Kysely, pg nor PGlite's driver", () => {
    const start = loadedAtStart('cli.js')
    for (const file of start) {
      const text = code(file)
      for (const pkg of ['fastify', 'kysely', 'pg', 'ioredis']) {
        assert.ok(!text.includes(`node_modules/${pkg}/`), `${file}, loaded by cli.js, holds ${pkg}`)
      }
      assert.ok(!/from ["']@electric-sql\/pglite/.test(text), `${file} imports PGlite`)
    }
  })
})

describe('the compiled server and command, end to end', () => {
  let dir = ''
  let server: Served | null = null
  let url = ''

  before(async () => {
    assert.ok(distIsCurrent(), 'dist/ is missing or stale: npm run build (scripts/test.mjs does)')
    dir = mkdtempSync(join(tmpdir(), 'herald-dist-'))
    server = await serve(dir)
    url = server.url
  })

  after(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('health, metrics, the documents and the docs page with its files', async () => {
    const health = await fetch(`${url}/healthz`)
    assert.equal(health.status, 200)
    assert.deepEqual(await health.json(), { status: 'ok' })
    const metrics = await fetch(`${url}/metrics`)
    assert.equal(metrics.status, 200)
    assert.match(await metrics.text(), /^herald_http_request_duration_seconds_bucket\{/m)
    const spec = (await (await fetch(`${url}/openapi.json`)).json()) as { openapi: string }
    assert.equal(spec.openapi, '3.1.0')
    const page = await fetch(`${url}/docs/`)
    assert.equal(page.status, 200)
    assert.match(await page.text(), /swagger-ui/)
    // Swagger UI's files, read from its package's directory by path.
    for (const [file, type] of [
      ['swagger-ui-bundle.js', /javascript/],
      ['index.css', /css/],
      ['logo.svg', /svg/],
    ] as const) {
      const res = await fetch(`${url}/docs/static/${file}`)
      assert.equal(res.status, 200, file)
      assert.match(res.headers.get('content-type') ?? '', type, file)
      assert.ok((await res.arrayBuffer()).byteLength > 100, file)
    }
    const config = await fetch(`${url}/docs/static/swagger-initializer.js`)
    assert.match(await config.text(), /openapi\.json/)
  })

  test('a key and a token from the command; a send and a list over HTTP', async () => {
    const key = (await herald(dir, 'keys', 'create', '--tenant', 'acme')).stdout.trim()
    const token = (await herald(dir, 'token', '--tenant', 'acme', '--user', 'ada')).stdout.trim()
    const sent = await fetch(`${url}/v1/notifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: { users: ['ada'] }, type: 'comment', title: 'Bundled' }),
    })
    assert.equal(sent.status, 201, await sent.clone().text())
    const list = await fetch(`${url}/v1/me/notifications`, {
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(list.status, 200)
    const { items } = (await list.json()) as { items: Array<{ title: string }> }
    assert.deepEqual(
      items.map((n) => n.title),
      ['Bundled'],
    )
    // A validation error, answered through a schema compiled by the bundled ajv.
    const bad = await fetch(`${url}/v1/notifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: { users: ['ada'] }, title: 'no type' }),
    })
    assert.equal(bad.status, 400)
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'VALIDATION')
  })
})
