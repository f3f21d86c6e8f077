import { randomBytes } from 'node:crypto'
import { existsSync, linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { privateDir } from './file-modes.ts'
import { processAlive } from './process-alive.ts'
import { isPostgresUrl } from './store-url.ts'

/** Who owns an embedded store: the lock file's content, which doubles as the server's address. */
export interface LockHolder {
  pid: number
  /** When the holding process started (ms since the epoch), to tell a reused pid from it. */
  startedAt: number
  command: string
  /** The server's address once it listens; CLI commands send their writes there. */
  url: string | null
  /** This acquisition's own mark: a process only ever rewrites or removes its own lock. */
  token: string
}

/** The store is owned by another live process. */
export class StoreLockedError extends Error {
  constructor(
    readonly path: string,
    readonly holder: LockHolder,
  ) {
    const at = holder.url ? `, ${holder.url}` : ''
    super(
      `the embedded store ${path.replace(/\.lock$/, '')} is in use by "herald ${holder.command}" ` +
        `(pid ${holder.pid}${at}); stop it first, or use another HERALD_DATA_DIR`,
    )
  }
}

/**
 * The lock file of an embedded store (beside its directory, as PGlite wants the directory to
 * itself), or null where none is needed: PostgreSQL serves many processes, `memory://` one.
 */
export function lockPathFor(databaseUrl: string): string | null {
  if (isPostgresUrl(databaseUrl) || databaseUrl.startsWith('memory://')) return null
  return `${databaseUrl.replace(/\/+$/, '')}.lock`
}

/** The lock's holder, or null when there is no lock file (or it vanished while being read). */
export function readLock(path: string): LockHolder | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    // A lock file is complete when it appears (see `tryLink`), so garbage means a hand edit or a
    // broken disk: it names no live process, and is treated as stale.
    return { pid: 0, startedAt: 0, command: 'unknown', url: null, token: 'unreadable' }
  }
}

/** The holder, if it is a live process (a dead one's lock is stale). */
export function liveHolder(path: string): LockHolder | null {
  const holder = readLock(path)
  return holder && processAlive(holder.pid, holder.startedAt) ? holder : null
}

/** Writes the content to a private file and links it into place: the lock appears whole or not at all. */
function tryLink(path: string, holder: LockHolder): boolean {
  const temp = `${path}.${holder.token}`
  writeFileSync(temp, JSON.stringify(holder), { mode: 0o600 })
  try {
    linkSync(temp, path)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    return false
  } finally {
    unlinkSync(temp)
  }
}

/**
 * Removes a dead holder's lock. Several processes may find the same stale lock: a guard file,
 * itself created exclusively, lets one at a time re-check and remove it, so a live process's
 * fresh lock is never taken for the stale one it replaced.
 */
function removeStale(path: string, stale: LockHolder): void {
  const guard = `${path}.takeover`
  try {
    writeFileSync(guard, String(process.pid), { flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    // Another process is taking over; a guard left by a process that died there is cleared.
    const pid = Number(readFileSync(guard, 'utf8'))
    if (!processAlive(pid, null)) unlinkSync(guard)
    return
  }
  try {
    if (readLock(path)?.token === stale.token) unlinkSync(path)
  } finally {
    unlinkSync(guard)
  }
}

export interface StoreLock {
  readonly holder: LockHolder
  /** Records the server's address in the lock, for CLI commands to find it. */
  publish(url: string): void
  /** Removes the lock if it is still this process's own. */
  release(): void
}

const processStart = Date.now() - Math.round(process.uptime() * 1000)

/**
 * Takes the store's lock for this process before the store is opened, or throws
 * `StoreLockedError` naming the live holder. A stale lock (its process gone) is taken over.
 */
export function acquireStoreLock(path: string, command: string): StoreLock {
  privateDir(dirname(path))
  const token = randomBytes(8).toString('hex')
  let holder: LockHolder = { pid: process.pid, startedAt: processStart, command, url: null, token }
  // Bounded: each pass either takes the lock, finds a live holder, or clears a stale one.
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryLink(path, holder)) {
      const release = () => {
        if (readLock(path)?.token === token) unlinkSync(path)
      }
      process.once('exit', release)
      return {
        get holder() {
          return holder
        },
        publish(url) {
          holder = { ...holder, url }
          const temp = `${path}.${token}`
          writeFileSync(temp, JSON.stringify(holder), { mode: 0o600 })
          renameSync(temp, path)
        },
        release() {
          process.removeListener('exit', release)
          release()
        },
      }
    }
    const current = readLock(path)
    if (current && processAlive(current.pid, current.startedAt))
      throw new StoreLockedError(path, current)
    if (current) removeStale(path, current)
  }
  const last = readLock(path)
  if (last && existsSync(path)) throw new StoreLockedError(path, last)
  throw new Error(`could not take the lock ${path}; another process keeps replacing it`)
}
