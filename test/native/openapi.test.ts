import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import openapiTS, { astToString } from 'openapi-typescript'
import { DIALECT_NAMES } from '../../src/config.ts'
import { describeEngines, type TestHerald } from '../support/harness.ts'
import { world } from '../support/world.ts'

type Json = Record<string, unknown>
type Operation = Json & { operationId?: string; responses: Record<string, Json>; tags?: string[] }
interface Document {
  openapi: string
  servers?: Json[]
  tags?: Array<{ name: string; description?: string }>
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Json> }
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TSC = join(ROOT, 'node_modules/.bin/tsc')
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head']

const operations = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => METHODS.includes(m))
      .map(([method, op]) => ({ label: `${method.toUpperCase()} ${path}`, op })),
  )

/** A named schema of the document, which must be there. */
function named(doc: Document, name: string): Json {
  const schema = doc.components.schemas[name]
  assert.ok(schema, `${name} is a named schema`)
  return schema
}

/** Every `$ref` of the document, wherever it is. */
function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refs(n, out)
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v)
      else refs(v, out)
    }
  }
  return out
}

/** What a document must be for generators: ids, descriptions, resolvable named references. */
function assertGeneratorReady(doc: Document, name: string) {
  assert.equal(doc.openapi, '3.1.0', name)
  assert.ok((doc.servers?.length ?? 0) > 0, `${name}: a servers entry`)
  const described = new Set((doc.tags ?? []).filter((t) => t.description).map((t) => t.name))
  const ids = new Set<string>()
  for (const { label, op } of operations(doc)) {
    assert.match(op.operationId ?? '', /^[a-z][A-Za-z0-9]*$/, `${name} ${label}: operationId`)
    assert.ok(!ids.has(op.operationId ?? ''), `${name} ${label}: ${op.operationId} is unique`)
    ids.add(op.operationId ?? '')
    assert.ok(op.tags?.length, `${name} ${label}: tagged`)
    for (const t of op.tags ?? []) assert.ok(described.has(t), `${name}: tag ${t} is described`)
    for (const [status, r] of Object.entries(op.responses)) {
      assert.ok(r.description, `${name} ${label} ${status}: described`)
    }
  }
  assert.ok(ids.size > 0, `${name} lists its routes`)
  assert.ok(!JSON.stringify(doc).includes('Default Response'), `${name}: no "Default Response"`)
  for (const ref of refs(doc)) {
    const target = /^#\/components\/schemas\/([A-Za-z]+)$/.exec(ref)?.[1]
    assert.ok(target && doc.components.schemas[target], `${name}: ${ref} is a named schema`)
  }
}

/** The calls an adopter writes against a client generated from the live document. */
const ADOPTER = (fetchUrl: string) => `
import createClient from ${JSON.stringify(fetchUrl)}
import type { components, paths } from './paths.ts'

type Notification = components['schemas']['Notification']
type ApiError = components['schemas']['Error']
type IsNever<T> = [T] extends [never] ? true : false

export async function adopt(baseUrl: string, userToken: string, apiKey: string, user: string) {
  const producer = createClient<paths>({ baseUrl, headers: { Authorization: \`Bearer \${apiKey}\` } })
  const inbox = createClient<paths>({ baseUrl, headers: { Authorization: \`Bearer \${userToken}\` } })

  const sent = await producer.POST('/v1/notifications', {
    body: { to: { users: [user] }, type: 'comment', title: 'Bob replied' },
  })
  // A send answers what it created (201) or, with sendAt in the future, the scheduled send (202).
  const made = sent.data && 'recipients' in sent.data ? sent.data : undefined
  const later = await producer.POST('/v1/notifications', {
    body: { to: { users: [user] }, type: 'reminder', title: 'Later', delaySeconds: 3600 },
  })
  const waiting = later.data && 'status' in later.data ? later.data : undefined
  const cancelled = await producer.DELETE('/v1/scheduled/{id}', {
    params: { path: { id: waiting?.id ?? '' } },
  })
  const list = await inbox.GET('/v1/me/notifications', { params: { query: { limit: 10 } } })
  const first: Notification | undefined = list.data?.items[0]
  if (!first) throw new Error(\`no notification listed: \${list.response.status}\`)
  const id: number = first.id
  const one = await inbox.GET('/v1/me/notifications/{id}', { params: { path: { id } } })
  const read = await inbox.POST('/v1/me/notifications/{id}/{action}', {
    params: { path: { id, action: 'read' } },
  })
  const until = new Date(Date.now() + 3_600_000).toISOString()
  const snoozed = await inbox.POST('/v1/me/notifications/{id}/{action}', {
    params: { path: { id: first.uuid, action: 'snooze' } },
    body: { until },
  })
  const bulk = await inbox.POST('/v1/me/notifications/bulk', {
    body: { action: 'unsnooze', ids: [id] },
  })
  const counts = await inbox.GET('/v1/me/counts', { params: { query: { cap: 99 } } })
  const missing = await inbox.GET('/v1/me/notifications/{id}', { params: { path: { id: 999999999 } } })
  // Compiles only while errors are typed: a never here would make the assignment fail.
  const typed: IsNever<NonNullable<typeof missing.error>> = false
  const notFound: ApiError | undefined = missing.error
  return {
    typed,
    sent: [sent.response.status, made?.recipients, made?.notifications?.length ?? null],
    scheduled: [later.response.status, waiting?.status, cancelled.data?.status],
    one: [one.response.status, one.data?.id === id],
    read: [read.response.status, read.data?.read],
    snoozed: [snoozed.response.status, snoozed.data?.snoozedUntil === until],
    bulk: [bulk.response.status, bulk.data?.changed],
    counts: [counts.response.status, counts.data?.counts.unread, counts.data?.capped.unread],
    notFound: [missing.response.status, notFound?.error.code],
  }
}
`

/**
 * The adopter's project, generated and type-checked once per run (the document does not depend
 * on the engine): types from the live document with openapi-typescript, the calls above, and
 * `tsc --noEmit` over them. Resolves to the module to import, or rejects with tsc's report.
 */
let adopter: Promise<string> | null = null
function adopterProject(doc: Document, dir: string): Promise<string> {
  adopter ??= (async () => {
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
    writeFileSync(join(dir, 'paths.ts'), astToString(await openapiTS(doc as never)))
    writeFileSync(
      join(dir, 'adopter.ts'),
      ADOPTER(fileURLToPath(import.meta.resolve('openapi-fetch'))),
    )
    const tsconfig = {
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'es2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        allowImportingTsExtensions: true,
        skipLibCheck: true,
        lib: ['es2022', 'dom'],
        types: [],
      },
      files: ['adopter.ts'],
    }
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig))
    const report = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const tsc = spawn(process.execPath, [TSC, '-p', dir], { cwd: dir })
      let out = ''
      tsc.stdout.on('data', (b) => {
        out += b
      })
      tsc.stderr.on('data', (b) => {
        out += b
      })
      tsc.on('close', (code) => resolve({ code, out }))
    })
    if (report.code !== 0) throw new Error(`the adopter's code does not compile:\n${report.out}`)
    return pathToFileURL(join(dir, 'adopter.ts')).href
  })()
  return adopter
}

const dir = mkdtempSync(join(tmpdir(), 'herald-adopter-'))
after(() => rmSync(dir, { recursive: true, force: true }))

describeEngines('OpenAPI documents', (get) => {
  let base = ''
  before(async () => {
    base = await get().app.listen({ host: '127.0.0.1', port: 0 })
  })
  const native = async (h: TestHerald) =>
    (await h.app.inject({ url: '/openapi.json' })).json() as Document

  test('the native document is ready for generators: ids, descriptions, named schemas', async () => {
    const doc = await native(get())
    assertGeneratorReady(doc, 'native')
    for (const name of [
      'Notification',
      'NotificationPage',
      'NotificationFilter',
      'Counts',
      'CountsRequest',
      'Checkpoint',
      'BulkRequest',
      'BulkResult',
      'SendRequest',
      'SendResponse',
      'User',
      'UserPage',
      'Error',
      'StreamEvent',
    ]) {
      assert.ok(doc.components.schemas[name], `${name} is a named schema`)
    }
    assert.match(
      JSON.stringify(named(doc, 'SendResponse').properties),
      /null past that/,
      'SendResponse says when notifications is null',
    )
    // Every error answer is typed as Error, so a generated client's error type is not never.
    for (const { label, op } of operations(doc)) {
      const statuses = Object.keys(op.responses)
      for (const s of ['400', '401', '403', '429', '503']) assert.ok(statuses.includes(s), label)
      for (const [status, r] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue
        assert.deepEqual(refs(r), ['#/components/schemas/Error'], `${label} ${status}`)
      }
    }
    const ids = operations(doc).map((o) => o.op.operationId)
    for (const id of ['listNotifications', 'getNotification', 'changeNotification']) {
      assert.ok(ids.includes(id), id)
    }
  })

  test('the document describes the stream, the action body and the id parameter', async () => {
    const doc = await native(get())
    const stream = doc.paths['/v1/me/stream']?.get
    assert.ok(stream)
    assert.deepEqual(Object.keys(stream.responses['200']?.content ?? {}), ['text/event-stream'])
    const events = named(doc, 'StreamEvent').anyOf as Json[]
    const names = events.map((e) => {
      const { properties } = named(doc, String(e.$ref).split('/').at(-1) ?? '')
      return JSON.stringify((properties as Json).event)
    })
    for (const e of ['notification.created', 'counts', 'notifications.changed', 'reset']) {
      assert.ok(
        names.some((n) => n.includes(`"${e}"`)),
        `${e} is a stream event`,
      )
    }
    const params = (stream.parameters as Json[]).map((p) => `${p.in}:${p.name}`)
    assert.ok(params.includes('header:last-event-id'), String(params))
    assert.ok(params.includes('query:access_token'), String(params))

    const action = doc.paths['/v1/me/notifications/{id}/{action}']?.post
    assert.ok(action)
    assert.equal((action.requestBody as Json).required, false, 'an action needs no body')
    const id = (action.parameters as Json[]).find((p) => p.name === 'id') ?? {}
    assert.deepEqual((id.schema as Json).type, ['integer', 'string'], 'Notification.id fits')
  })

  test('docs/openapi.json is the live document (run npm run openapi after changing a route)', async () => {
    const file = JSON.parse(readFileSync(join(ROOT, 'docs/openapi.json'), 'utf8'))
    assert.deepEqual(await native(get()), file)
  })

  test('each dialect has its document, listed on /docs beside the native one', async () => {
    const h = get()
    const init = await h.app.inject({ url: '/docs/static/swagger-initializer.js' })
    const urls = JSON.parse(/"urls":(\[[^\]]*\])/.exec(init.body)?.[1] ?? '[]') as Json[]
    const listed = urls.map((u) => new URL(String(u.url), 'http://herald.test/docs/').pathname)
    assert.deepEqual(listed, ['/openapi.json', ...DIALECT_NAMES.map((d) => `/openapi/${d}.json`)])
    for (const name of DIALECT_NAMES) {
      const res = await h.app.inject({ url: `/openapi/${name}.json` })
      assert.equal(res.statusCode, 200, name)
      const doc = res.json() as Document
      assertGeneratorReady(doc, name)
      const paths = Object.keys(doc.paths)
      assert.ok(paths.length >= 3, `${name}: ${paths}`)
      assert.ok(
        paths.every((p) => p.startsWith(`/compat/${name}/`)),
        `${name} lists its own routes only`,
      )
    }
  })

  test('an adopter: types generated from the live document compile, and the natural calls work', async () => {
    const h = get()
    const module = await adopterProject(await native(h), dir)
    const { adopt } = (await import(module)) as {
      adopt(base: string, token: string, key: string, user: string): Promise<Json>
    }
    const w = await world(h, { users: ['ada'] })
    const out = await adopt(base, w.tokens.ada, w.key, 'ada')
    assert.deepEqual(out, {
      typed: false,
      sent: [201, 1, 1],
      scheduled: [202, 'scheduled', 'cancelled'],
      one: [200, true],
      read: [200, true],
      snoozed: [200, true],
      bulk: [200, 1],
      counts: [200, 0, false],
      notFound: [404, 'NOT_FOUND'],
    })
  })
})
