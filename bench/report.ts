import type { EndpointName, EndpointResult } from './phases.ts'
import type { RawRowName, RawRowResult } from './raw-rows.ts'
import type { SeedResult } from './seed.ts'

export interface Timing {
  seconds: number
  rows: number
}

export interface BenchResult {
  engine: 'postgres' | 'pglite'
  size: string
  at: string
  machine: { cpus: number; node: string; postgres: string; pglite: string }
  seed: SeedResult
  endpoints: Partial<Record<EndpointName, EndpointResult>>
  /** PostgreSQL: the endpoint's own statements driven straight through pg (see raw-rows.ts). */
  raw?: Partial<Record<RawRowName, RawRowResult>>
  limits: { singleRowCommitsPerSecond: number; rawInsert: Timing }
  bulk: {
    send: Timing
    /** Two more sends to the same recipients, none of them muted: the figure to compare with. */
    noneMuted?: Timing
    /** …and with every tenth recipient having turned the type off (rows: those who got it). */
    tenthMuted?: Timing
    /** …and critical, of the muted type: no preferences joined, every recipient reached. */
    critical?: Timing
    markAll: Timing
    deleteByFilter: Timing
  }
  rssMb: { afterLoad: number; atEnd: number }
}

export interface Target {
  name: string
  value: string
  met: boolean
}

const fmt = (n: number | undefined, digits = 0): string =>
  n === undefined || Number.isNaN(n)
    ? '–'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

const ms = (n: number | undefined) => fmt(n, n !== undefined && n < 10 ? 2 : 1)

const LABELS: Record<EndpointName, string> = {
  baseline: 'baseline (trivial authenticated route)',
  unreadCount: 'unread count (GET /v1/me/counts?cap=99)',
  notModifiedPoll: '304 poll (the counts, If-None-Match current)',
  firstPage: 'first page of 20',
  heavyFirstPage: 'first page of 20 (heavy user)',
  deepPage: 'page 10,000 deep by cursor (heavy user)',
  markOneRead: 'mark one read',
  sendOne: 'send to one recipient',
  offsetPage1: 'peer: OFFSET + COUNT, page 1 (heavy, c=1)',
  offsetPageN: 'peer: OFFSET + COUNT, page 1,000 (heavy, c=1)',
  keysetPageN: 'Herald keyset, page 1,000 (heavy, c=1)',
  heavyCountAfterMarkAll: 'heavy user count after mark-all',
}

const row = (cells: string[], widths: number[]) =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')

/** The one table: every endpoint, then the bulk operations and the limits they are compared to. */
export function renderTable(r: BenchResult): string {
  const base = r.endpoints.baseline?.rps ?? Number.NaN
  const head = ['measure', 'req/s | time', 'p50 ms', 'p99 ms', 'ratio', 'c=1 p50', 'c=1 p99']
  const lines: string[][] = []
  for (const [name, e] of Object.entries(r.endpoints) as Array<[EndpointName, EndpointResult]>) {
    const bad = e.bad > 0 ? ` (${e.bad} failed)` : ''
    lines.push([
      LABELS[name] + bad,
      fmt(e.rps),
      ms(e.p50),
      ms(e.p99),
      `${fmt(e.rps / base, 2)}× base`,
      ms(e.probe?.p50),
      ms(e.probe?.p99),
    ])
    const direct = r.raw?.[name as RawRowName]
    if (direct) {
      const n = direct.statements.flat().length
      lines.push([
        `  its ${n} statement${n === 1 ? '' : 's'} through pg${direct.bad > 0 ? ` (${direct.bad} failed)` : ''}`,
        fmt(direct.rps),
        ms(direct.p50),
        ms(direct.p99),
        `Herald ${fmt(e.rps / direct.rps, 2)}×`,
        '',
        '',
      ])
    }
  }
  const raw = r.limits.rawInsert
  const timed = (label: string, t: Timing, ratio: string) => [
    `${label} (${fmt(t.rows)} rows)`,
    `${fmt(t.seconds, 3)} s`,
    '',
    '',
    ratio,
    `${fmt(t.rows / t.seconds)} rows/s`,
    '',
  ]
  const sendRate = r.bulk.send.rows / r.bulk.send.seconds
  lines.push(
    timed('bulk: send to many', r.bulk.send, `${fmt(sendRate / (raw.rows / raw.seconds), 2)}× raw`),
  )
  const { noneMuted, tenthMuted } = r.bulk
  if (noneMuted) lines.push(timed('bulk: send to many again, none muted', noneMuted, ''))
  if (noneMuted && tenthMuted) {
    const ratio = `${fmt(tenthMuted.seconds / noneMuted.seconds, 2)}× none muted`
    lines.push(timed('bulk: send to many, a tenth muted', tenthMuted, ratio))
  }
  if (noneMuted && r.bulk.critical) {
    const ratio = `${fmt(r.bulk.critical.seconds / noneMuted.seconds, 2)}× none muted`
    lines.push(timed('bulk: send to many, critical (no join)', r.bulk.critical, ratio))
  }
  lines.push(timed('bulk: mark all read (heavy)', r.bulk.markAll, ''))
  lines.push(timed('bulk: delete by filter (heavy)', r.bulk.deleteByFilter, ''))
  lines.push(timed('limit: raw set-based insert', raw, ''))
  lines.push([
    'limit: single-row commits',
    fmt(r.limits.singleRowCommitsPerSecond),
    '',
    '',
    '',
    '',
    '',
  ])
  const sendOne = r.endpoints.sendOne?.rps ?? Number.NaN
  const last = lines.find((l) => l[0]?.startsWith(LABELS.sendOne))
  if (last) last[4] = `${fmt(sendOne / r.limits.singleRowCommitsPerSecond, 2)}× commits`
  lines.push([
    'server RSS after load / at end (MB)',
    `${fmt(r.rssMb.afterLoad)} / ${fmt(r.rssMb.atEnd)}`,
    '',
    '',
    '',
    '',
    '',
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)))
  const rule = widths.map((w) => '-'.repeat(w)).join('  ')
  return [row(head, widths), rule, ...lines.map((l) => row(l, widths))].join('\n')
}

/**
 * The highest ratio to its raw row that a row could reach on this machine, by CPU time: were
 * Herald's server to spend only what the trivial route costs it plus what the raw row's `pg` client
 * spends, with its database and load generator as measured. The HTTP load generator and the
 * database run on the same CPUs, so their time bounds the ratio whatever the server does.
 */
export function cpuCeiling(r: BenchResult, name: RawRowName): number {
  const h = r.endpoints[name]?.cpu
  const d = r.raw?.[name]?.cpu
  const b = r.endpoints.baseline?.cpu?.server
  if (!h || !d || b === undefined || h.database === undefined || d.database === undefined) {
    return Number.NaN
  }
  return (d.load + d.database) / (b + d.load + h.database + h.load)
}

/**
 * The same bound against the trivial route: were the server to spend on the row only what it
 * spends on the trivial route, with the row's database and load generator as measured.
 */
export function cpuCeilingOverBaseline(r: BenchResult, name: EndpointName): number {
  const h = r.endpoints[name]?.cpu
  const b = r.endpoints.baseline?.cpu
  // On PGlite the store's work is in the server's process: nothing to set apart from it.
  if (!h || b?.server === undefined || h.database === undefined) return Number.NaN
  return (b.server + b.load) / (b.server + h.database + h.load)
}

/**
 * Where each row's CPU time went, per request (ms): the server's process, its PostgreSQL
 * backends and the load generator, beside the raw row's client and backends. On 2 CPUs shared by
 * all three, a row's rate is bounded by their sum, so this is what a ratio to the raw row is made
 * of. Empty when no row was read (another OS than Linux, the smoke test).
 */
export function renderCpu(r: BenchResult): string {
  const head = ['CPU ms per request', 'server', 'database', 'load', 'sum', 'ceiling']
  const lines: string[][] = []
  const cells = (label: string, c: NonNullable<EndpointResult['cpu']>) => {
    const sum = (c.server ?? 0) + (c.database ?? 0) + c.load
    return [label, ms(c.server), ms(c.database), ms(c.load), ms(sum), '']
  }
  for (const [name, e] of Object.entries(r.endpoints) as Array<[EndpointName, EndpointResult]>) {
    if (!e.cpu) continue
    lines.push(cells(LABELS[name], e.cpu))
    const direct = r.raw?.[name as RawRowName]
    if (direct?.cpu) {
      const line = cells('  its statements through pg (load: the pg client)', direct.cpu)
      line[5] = `${fmt(cpuCeiling(r, name as RawRowName), 2)}×`
      lines.push(line)
    }
  }
  if (lines.length === 0) return ''
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)))
  const rule = widths.map((w) => '-'.repeat(w)).join('  ')
  return [row(head, widths), rule, ...lines.map((l) => row(l, widths))].join('\n')
}

export function renderHeader(r: BenchResult): string {
  const m = r.machine
  return [
    `Herald bench — ${r.engine}, ${r.size} data set, ${r.at}`,
    `${m.cpus} CPUs, Node ${m.node}, PostgreSQL ${m.postgres}, PGlite ${m.pglite}`,
    `seeded ${fmt(r.seed.notifications)} notifications for ${fmt(r.seed.users)} users in ${fmt(r.seed.seconds, 1)} s`,
  ].join('\n')
}
