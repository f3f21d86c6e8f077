#!/usr/bin/env node
// The `herald` command: runs the compiled command in dist/ (built by `npm install`, or
// `npm run build`). Without it, or when src/ has changed since, runs the source through tsx.
import { distIsCurrent } from './dist-state.js'

if (distIsCurrent()) {
  await import('../dist/cli.js')
} else {
  console.error(
    'herald: dist/ is missing or older than src/, running src/ through tsx (slower to start; npm run build compiles it)',
  )
  const { register } = await import('tsx/esm/api')
  register()
  await import('../src/cli.ts')
}
