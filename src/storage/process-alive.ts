import { readFileSync } from 'node:fs'

/** Linux's clock ticks per second for /proc times; 100 on every mainstream build. */
const CLOCK_TICKS = 100

/** When a process started (ms since the epoch), from /proc on Linux; null elsewhere. */
function startedAtOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name, which is in parentheses and may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[19])
    const boot = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]
    if (!Number.isFinite(ticks) || boot === undefined) return null
    return Number(boot) * 1000 + (ticks / CLOCK_TICKS) * 1000
  } catch {
    return null
  }
}

/**
 * Whether the process that wrote a lock still runs. A pid alone can be reused after a reboot or
 * a long uptime, so where the start time can be read it must match the one the lock recorded.
 */
export function processAlive(pid: number, startedAt: number | null): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
  } catch (err) {
    // EPERM: it exists, under another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  if (startedAt === null) return true
  const actual = startedAtOf(pid)
  // Generous: the two clocks differ by Node's start-up and any clock adjustment, and mistaking a
  // live owner for a dead one would let two processes write one store; a reused pid that started
  // within a minute of the original is not a risk worth that.
  return actual === null || Math.abs(actual - startedAt) < 60_000
}
