// Compiles the service and the `herald` command to dist/ (ESM, with the packages they use
// bundled), so that they start without a TypeScript loader or loading packages file by file. Runs as `npm run build` and after `npm install`
// (the `prepare` script); dist/ is not committed. bin/herald.js runs dist/ when it is at least as
// new as src/ (see dist-state.js).
// Usage: node scripts/build-server.mjs
import { rmSync, utimesSync, writeFileSync } from 'node:fs'
import { BUILT_STAMP, DIST } from '../bin/dist-state.js'

// esbuild is a development dependency: an install without them (`--omit=dev`) leaves dist/ out,
// and bin/herald.js then runs the source through tsx (a runtime dependency).
const esbuild = await import('esbuild').catch(() => null)
if (!esbuild) {
  console.log('esbuild is not installed: server not compiled (herald runs src/ through tsx)')
  process.exit(0)
}

const started = performance.now()
const startedAt = new Date()
// A build never mixes with the chunks of an older one.
rmSync(DIST, { recursive: true, force: true })
await esbuild.build({
  // The PGlite worker thread loads its own entry (see storage/pglite-client.ts).
  entryPoints: { cli: 'src/cli.ts', 'pglite-worker': 'src/storage/pglite-worker.ts' },
  outdir: DIST,
  bundle: true,
  // What a command loads with `await import()` becomes a chunk of its own, with the packages it
  // uses in it: `herald token` never loads Fastify, PGlite or pg.
  // Chunks sit beside the entries: a module finds the worker's entry (or the repository, two
  // levels up from src/http/, one from dist/) the same way whichever file it lands in.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The packages are bundled (node would otherwise resolve and read their files one by one on
  // every start), except those that read their own files by path: PGlite (its .wasm and .data),
  // Swagger UI (the docs page's files) and pg's optional native addon. ARCHITECTURE.md has why.
  external: ['@electric-sql/pglite', '@fastify/swagger-ui', 'pg-native'],
  // Bundled CommonJS calls `require` for node's own modules; ESM has none of its own.
  banner: {
    js: "import { createRequire as __heraldRequire } from 'node:module'; const require = __heraldRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  logLevel: 'warning',
})
// Dated when the build began: a source file saved while it ran counts as newer than dist/.
writeFileSync(BUILT_STAMP, `${startedAt.toISOString()}\n`)
utimesSync(BUILT_STAMP, startedAt, startedAt)
console.log(`herald: compiled src/ to dist/ in ${Math.round(performance.now() - started)} ms`)
