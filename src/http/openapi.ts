import { isDeepStrictEqual } from 'node:util'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import type { Mount } from './mount.ts'
import { DOCS_CSP } from './security-headers.ts'

const VERSION = '0.1.0'
const DECORATOR = 'surfaceDocument'

type Json = Record<string, unknown>
type Document = Json & { paths?: Record<string, Record<string, Json>>; components?: Json }

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

// The JSON Schema keywords whose values are subschemas: the walk never enters data (enum,
// default, examples), where a `title` is a value, not a name.
const ONE = ['items', 'not', 'additionalProperties', 'contains', 'if', 'then', 'else']
const LIST = ['anyOf', 'oneOf', 'allOf', 'prefixItems']
const MAP = ['properties', 'patternProperties', '$defs']

/** A schema whose subschemas with a `title` became references to components of that name. */
function withNamedChildren(schema: Json, named: Map<string, Json>): Json {
  const out: Json = { ...schema }
  for (const k of ONE) if (isObject(out[k])) out[k] = hoist(out[k], named)
  for (const k of LIST) {
    const list = out[k]
    if (Array.isArray(list)) out[k] = list.map((s) => (isObject(s) ? hoist(s, named) : s))
  }
  for (const k of MAP) {
    const map = out[k]
    if (isObject(map)) {
      out[k] = Object.fromEntries(
        Object.entries(map).map(([p, s]) => [p, isObject(s) ? hoist(s, named) : s]),
      )
    }
  }
  return out
}

/**
 * A schema with a `title` (the route schemas name theirs: `Notification`, `Counts`…) becomes a
 * named component and a reference to it, so a generator makes one type of that name. Two
 * different schemas with one name are a mistake in the route schemas: the document refuses it.
 */
function hoist(schema: Json, named: Map<string, Json>): Json {
  const out = withNamedChildren(schema, named)
  const name = out.title
  if (typeof name !== 'string') return out
  const known = named.get(name)
  if (known && !isDeepStrictEqual(known, out)) {
    throw new Error(`OpenAPI: two different schemas are named ${name}`)
  }
  named.set(name, out)
  return { $ref: `#/components/schemas/${name}` }
}

/** A body schema that also takes null is a body the route does not need: say so. */
function optionalBody(op: Json) {
  const body = op.requestBody
  if (!isObject(body) || !isObject(body.content)) return
  for (const media of Object.values(body.content)) {
    if (!isObject(media) || !isObject(media.schema)) continue
    const anyOf = media.schema.anyOf
    if (!Array.isArray(anyOf) || !anyOf.some((s) => isObject(s) && s.type === 'null')) continue
    const rest = anyOf.filter((s) => !(isObject(s) && s.type === 'null'))
    media.schema =
      rest.length === 1 && isObject(rest[0]) ? rest[0] : { ...media.schema, anyOf: rest }
    body.required = false
  }
}

const sorted = <V>(o: Record<string, V>): Record<string, V> =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))

/**
 * The document as generators want it: named schemas as components, bodies the server does not
 * need marked optional, paths and components in a stable order (the checked-in copy in docs/
 * changes only when the API does).
 */
export function tidyDocument(doc: Document): Document {
  const named = new Map<string, Json>()
  const components = isObject(doc.components) ? doc.components : {}
  const schemas = isObject(components.schemas) ? components.schemas : {}
  for (const [name, s] of Object.entries(schemas)) {
    if (isObject(s)) named.set(name, withNamedChildren(s, named))
  }
  const paths: Record<string, Record<string, Json>> = {}
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    paths[path] = {}
    for (const [method, op] of Object.entries(item)) {
      optionalBody(op)
      const media = [op.requestBody, ...Object.values(isObject(op.responses) ? op.responses : {})]
        .flatMap((r) => (isObject(r) && isObject(r.content) ? Object.values(r.content) : []))
        .filter(isObject)
      for (const m of media) if (isObject(m.schema)) m.schema = hoist(m.schema, named)
      if (Array.isArray(op.parameters)) {
        for (const p of op.parameters) {
          if (isObject(p) && isObject(p.schema)) p.schema = withNamedChildren(p.schema, named)
        }
      }
      paths[path][method] = op
    }
  }
  const { openapi, info, servers, tags, paths: _, components: __, ...rest } = doc
  return {
    openapi,
    info,
    servers,
    tags,
    ...rest,
    paths: sorted(paths),
    components: { ...components, schemas: sorted(Object.fromEntries(named)) },
  }
}

/** Where a surface's document is served: the native one at the well-known place. */
const documentUrl = (m: Mount) =>
  m.surface.name === 'native' ? '/openapi.json' : `/openapi/${m.surface.name}.json`

/**
 * One OpenAPI 3.1 document per surface, each made by @fastify/swagger registered in that
 * surface's own scope (so it sees that surface's routes only), and the docs page listing them.
 */
export function surfaceDocuments() {
  const documents: Array<{ mount: Mount; url: string; get: () => unknown }> = []
  return {
    /** Registers the document of the surface mounted in `scope`, before its routes. */
    async describe(scope: FastifyInstance, mount: Mount) {
      const { docs } = mount.surface
      await scope.register(swagger, {
        decorator: DECORATOR,
        stripBasePath: false,
        openapi: {
          openapi: '3.1.0',
          info: { title: docs.title, version: VERSION, description: docs.description },
          servers: [{ url: '/', description: 'This Herald (paths include their prefix)' }],
          tags: docs.tags,
          components: { securitySchemes: docs.securitySchemes },
          ...(docs.security ? { security: docs.security } : {}),
        },
        // Shared schemas (`Error`) are components under their own id, not `def-0`.
        refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? i) },
        transformObject: (o) =>
          tidyDocument('openapiObject' in o ? (o.openapiObject as Document) : {}),
      })
      const get = scope.getDecorator<() => unknown>(DECORATOR)
      documents.push({ mount, url: documentUrl(mount), get })
    },

    /** The documents' routes and the docs page, which lists every document (native first). */
    async serve(app: FastifyInstance) {
      for (const d of documents) {
        app.get(d.url, { schema: { hide: true } }, async () => d.get())
      }
      const native = documents.find((d) => d.mount.surface.name === 'native')
      await app.register(async (scope) => {
        // Swagger UI needs a swagger instance of its own; its `/docs/json` is the native document.
        await scope.register(swagger, { openapi: { openapi: '3.1.0' } })
        await scope.register(swaggerUi, {
          routePrefix: '/docs',
          staticCSP: DOCS_CSP,
          transformSpecificationClone: false,
          transformSpecification: () => (native?.get() ?? {}) as Record<string, unknown>,
          uiConfig: {
            // Relative to the page, so the docs work behind a proxy that adds a path.
            urls: documents.map((d) => ({ url: `..${d.url}`, name: d.mount.surface.docs.title })),
          },
        })
      })
    },
  }
}
