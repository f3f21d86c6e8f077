// Makes sure Debian's chromium is installed for the browser suites (test/browser). Where it is
// missing and we run as root, it is installed with apt-get; no browser is downloaded from anywhere
// else. Returns whether /usr/bin/chromium can be used. Under CI=true a missing browser is a failure.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

export const CHROMIUM = '/usr/bin/chromium'

export function ensureChromium() {
  if (existsSync(CHROMIUM)) return true
  const root = typeof process.getuid === 'function' && process.getuid() === 0
  if (root) {
    console.log(`${CHROMIUM} is missing; installing Debian's chromium with apt-get`)
    const apt = spawnSync(
      'sh',
      ['-c', 'apt-get update && apt-get install -y --no-install-recommends chromium'],
      { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
    )
    if (apt.status === 0 && existsSync(CHROMIUM)) return true
  }
  const why = root ? 'apt-get could not install it' : 'installing it needs root'
  if (process.env.CI === 'true') {
    console.error(`Chromium is required under CI=true and ${CHROMIUM} is missing (${why})`)
    process.exit(1)
  }
  console.log(`${CHROMIUM} is missing (${why}): the browser suites will be skipped`)
  return false
}

if (import.meta.url === `file://${process.argv[1]}`) ensureChromium()
