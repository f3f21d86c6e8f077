import { chmodSync, mkdirSync, statSync } from 'node:fs'

/** A store or a secret open to other users that Herald cannot make private: it refuses to start. */
export class UnsafeFileModeError extends Error {}

/** Permission bits that let the group or anyone else in. */
const SHARED = 0o077

/** Modes mean nothing on Windows (its ACLs are another matter); everywhere else they are checked. */
const checked = process.platform !== 'win32'

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`

/**
 * Makes `path` private to this user, or refuses to start: a store or a secret other users can
 * read is a leak. A path too open is tightened with a warning (the process is told once, on
 * stderr); one that cannot be (another user owns it) is refused (UnsafeFileModeError), naming the fix.
 */
function tighten(path: string, mode: number, what: string): void {
  if (!checked) return
  const current = statSync(path).mode & 0o777
  if ((current & SHARED) === 0) return
  try {
    chmodSync(path, mode)
  } catch (err) {
    throw new UnsafeFileModeError(
      `${what} ${path} is open to other users (mode ${octal(current)}) and cannot be made ${octal(mode)}: ${(err as Error).message}; run chmod ${octal(mode)} ${path} as its owner`,
    )
  }
  process.emitWarning(
    `${what} ${path} was open to other users (mode ${octal(current)}); made it ${octal(mode)}`,
    {
      code: 'HERALD_FILE_MODE',
    },
  )
}

/** Creates a directory readable only by this user (0700), or checks and tightens an existing one. */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  tighten(dir, 0o700, 'the directory')
}

/** Checks and tightens an existing secret file to 0600. */
export function privateFile(file: string): void {
  tighten(file, 0o600, 'the secret file')
}
