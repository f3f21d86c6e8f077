// Route schemas compiled at their first use instead of at start-up. Fastify compiles every route's
// validators (ajv) and response serializers (fast-json-stringify) while it boots, and with six
// surfaces that was about a third of a start's CPU. Fastify's own compilers are used unchanged;
// only when each schema is compiled changes, and what the serializer is given of a response
// schema (its "X or null" unions, see nullable-unions.ts). ARCHITECTURE.md ("Start-up") has the
// figures.
import AjvCompiler from '@fastify/ajv-compiler'
import SerializerSelector from '@fastify/fast-json-stringify-compiler'
import { nullableUnions } from './nullable-unions.ts'

type ValidateFn = ((data: unknown, ctx?: unknown) => unknown) & { errors?: unknown }
type SerializeFn = (doc: unknown) => string
type Route = { schema: unknown; httpPart?: string; url?: string; method?: string }

type Pending = Set<() => unknown>

/** `compile`, run once, when first asked for; listed in `pending` until then. */
function onDemand<F>(pending: Pending, compile: () => F): () => F {
  let fn: F | undefined
  const force = () => {
    if (fn === undefined) {
      fn = compile()
      pending.delete(force)
    }
    return fn
  }
  pending.add(force)
  return force
}

function lazyValidator(pending: Pending, compile: () => ValidateFn): ValidateFn {
  const force = onDemand(pending, compile)
  const validate: ValidateFn = (data, ctx) => {
    const f = force()
    const ok = f(data, ctx)
    // Fastify reads the errors from the function it was given, after the call.
    validate.errors = f.errors
    return ok
  }
  // Fastify passes the parent object (so ajv can coerce a root value) only to a function that
  // looks like ajv's; every compiled validator here is ajv's.
  Object.defineProperty(validate, 'schemaEnv', { value: true })
  return validate
}

function lazySerializer(pending: Pending, compile: () => SerializeFn): SerializeFn {
  const force = onDemand(pending, compile)
  return (doc) => force()(doc)
}

type BuildValidator = ReturnType<typeof AjvCompiler>
type BuildSerializer = ReturnType<typeof SerializerSelector>

const buildValidator = AjvCompiler()
const buildSerializer = SerializerSelector()

/**
 * Fastify's `schemaController` option for one application: its default compilers, each schema
 * compiled when a request first needs it or when `warmUp` gets to it once the server listens, and
 * `compileAll`, which compiles whatever is left at once (a test's check that each one compiles). Headers schemas are passed as written (Fastify does
 * not lowercase a custom compiler's): every headers schema here names its headers in lower case.
 */
export function lazySchemas() {
  const pending: Pending = new Set()
  const controller = {
    compilersFactory: {
      // The compilers themselves are made at first use too: a scope with shared schemas
      // (native's Error) makes ajv compile its meta-schema, a quarter of a second.
      buildValidator: ((...args: Parameters<BuildValidator>) => {
        let compiler: ReturnType<BuildValidator> | undefined
        return (route: Route) =>
          lazyValidator(pending, () => {
            compiler ??= buildValidator(...args)
            return compiler(route as never) as ValidateFn
          })
      }) as unknown as BuildValidator,
      buildSerializer: ((...args: Parameters<BuildSerializer>) => {
        let compiler: ReturnType<BuildSerializer> | undefined
        return (route: Route) =>
          lazySerializer(pending, () => {
            compiler ??= buildSerializer(...args)
            // Each "X or null" as X, nullable: see nullable-unions.ts.
            const schema = nullableUnions(route.schema)
            return compiler({ ...route, schema } as never) as SerializeFn
          })
      }) as unknown as BuildSerializer,
    },
  }
  const compileAll = (): number => {
    const all = [...pending]
    for (const force of all) force()
    return all.length
  }
  let warming = false
  /**
   * Compiles what is left one schema per turn of the event loop, so requests that arrive
   * meanwhile wait for one compilation at most; stops when `stopped()` says so. Started once:
   * later calls do nothing.
   */
  const warmUp = (stopped: () => boolean): void => {
    if (warming) return
    warming = true
    const step = () => {
      const next = pending.values().next()
      if (next.done || stopped()) return
      next.value()
      setImmediate(step)
    }
    setImmediate(step)
  }
  return { controller, compileAll, warmUp, pending: () => pending.size }
}
