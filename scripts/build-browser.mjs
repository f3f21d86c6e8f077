// Builds the browser bundles (ESM, minified) and prints each one's gzipped size.
// Runs as `npm run build` and after `npm install` (the `prepare` script); dist/ is not committed.
// Usage: node scripts/build-browser.mjs
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'

// esbuild is a development dependency: an install without them (`--omit=dev`) skips the bundles
// instead of failing, and says what that leaves out.
const esbuild = await import('esbuild').catch(() => null)
if (!esbuild) {
  console.log('esbuild is not installed: browser bundles not built (/demo needs them)')
  process.exit(0)
}
const { build } = esbuild

/** One bundle per entry: add a package's bundle here. */
const entries = [
  {
    name: '@herald/client',
    in: 'packages/client/src/index.ts',
    out: 'packages/client/dist/herald-client.js',
  },
  {
    // The component with its dependencies (lit, @herald/client) inside: one script tag.
    name: '@herald/inbox',
    in: 'packages/inbox/src/index.ts',
    out: 'packages/inbox/dist/herald-inbox.js',
  },
]

for (const e of entries) {
  await build({
    entryPoints: [e.in],
    outfile: e.out,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  })
  const code = readFileSync(e.out)
  const kb = (n) => `${(n / 1024).toFixed(1)} kB`
  console.log(`${e.name}: ${e.out} ${kb(code.length)}, ${kb(gzipSync(code).length)} gzipped`)
}
