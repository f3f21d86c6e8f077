// Whether dist/ (compiled by scripts/build-server.mjs) is as new as src/: bin/herald.js runs the
// compiled command only then, so an edit to the source is never silently ignored.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const DIST = join(ROOT, 'dist')
const SRC = join(ROOT, 'src')
/** Written by a build, dated when the build began. */
export const BUILT_STAMP = join(DIST, 'built-at')

/** The compile time of dist/, or null when there is none. */
function builtAt() {
  try {
    return statSync(BUILT_STAMP).mtimeMs
  } catch {
    return null
  }
}

/** True when dist/ was built after the last change to any file under src/ (about 1 ms). */
export function distIsCurrent() {
  const built = builtAt()
  if (built === null) return false
  for (const entry of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    // entry.parentPath is Node 20.12+; entry.path is the older name of the same thing.
    const dir = entry.parentPath ?? entry.path
    if (statSync(join(dir, entry.name)).mtimeMs > built) return false
  }
  return true
}
