import { readFileSync } from 'node:fs'
import pg from 'pg'

/**
 * Whose CPU time a load reads besides its own: the server's process, and the PostgreSQL backends
 * serving connections named `appName` (the bench server's pool, or the raw loops' pool). Linux
 * only (`/proc`); elsewhere those parts are left out.
 */
export interface CpuWatch {
  serverPid?: number
  pgUrl?: string
  appName?: string
}

/** CPU time per request (ms) of each part of a measured run; a part not read is absent. */
export interface CpuPerRequest {
  /** The load generator's own process (autocannon, or the raw loops' `pg` client). */
  load: number
  /** Herald's process (on PGlite, the embedded store's worker thread included). */
  server?: number
  /** The PostgreSQL backends of the watched connections. */
  database?: number
}

// The kernel's USER_HZ: the unit of /proc's times, 100 on every Linux a bench runs on.
const TICK_MS = 10

/** A process's user and system time (ms) from /proc, or undefined when it cannot be read. */
function processMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The fields after the command name, which may hold spaces: state is the first.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS
  } catch {
    return undefined
  }
}

/** The backends of `appName`'s connections. */
async function backends(w: CpuWatch): Promise<number[]> {
  if (!(w.pgUrl && w.appName)) return []
  const c = new pg.Client({ connectionString: w.pgUrl, connectionTimeoutMillis: 2000 })
  try {
    await c.connect()
    const r = await c.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
      [w.appName],
    )
    return r.rows.map((x) => x.pid)
  } catch {
    return []
  } finally {
    await c.end().catch(() => {})
  }
}

interface Reading {
  load: number
  server?: number
  database: Map<number, number>
}

async function read(w: CpuWatch, pids?: number[]): Promise<Reading> {
  const u = process.cpuUsage()
  const database = new Map<number, number>()
  for (const pid of pids ?? (await backends(w))) {
    const t = processMs(pid)
    if (t !== undefined) database.set(pid, t)
  }
  return {
    load: (u.user + u.system) / 1000,
    server: w.serverPid === undefined ? undefined : processMs(w.serverPid),
    database,
  }
}

/**
 * Runs `run` (a measured load) and returns its result with the CPU time each part spent on it
 * per request. The backends are those connected when the run starts (a warm-up has opened the
 * pool's connections).
 */
export async function withCpu<T extends { requests: number }>(
  watch: CpuWatch | undefined,
  run: () => Promise<T>,
): Promise<T & { cpu?: CpuPerRequest }> {
  if (!watch) return run()
  const before = await read(watch)
  const result = await run()
  const after = await read(watch, [...before.database.keys()])
  const n = Math.max(1, result.requests)
  let database: number | undefined
  for (const [pid, t] of after.database) {
    const t0 = before.database.get(pid)
    if (t0 !== undefined) database = (database ?? 0) + (t - t0)
  }
  const server =
    before.server !== undefined && after.server !== undefined
      ? (after.server - before.server) / n
      : undefined
  return {
    ...result,
    cpu: {
      load: (after.load - before.load) / n,
      ...(server === undefined ? {} : { server }),
      ...(database === undefined ? {} : { database: database / n }),
    },
  }
}
