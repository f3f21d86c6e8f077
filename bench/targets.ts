import type { EndpointName } from './phases.ts'
import { type BenchResult, cpuCeiling, cpuCeilingOverBaseline, type Target } from './report.ts'

const n = (v: number | undefined): number => v ?? Number.NaN
const x = (v: number) => `${v.toFixed(2)}×`
const msOf = (v: number) => `${v.toFixed(1)} ms`

/** Every target of the issue, checked against one run's figures. */
export function checkTargets(r: BenchResult): Target[] {
  const e = r.endpoints
  const base = n(e.baseline?.rps)
  const count = e.unreadCount
  const countRatio = n(count?.rps) / base
  const firstRatio = n(e.firstPage?.rps) / base
  const pollRatio = n(e.notModifiedPoll?.rps) / base
  // Depth alone: the heavy user's deep page against the same user's first page, same load.
  const deepOverFirst = n(e.deepPage?.p50) / n(e.heavyFirstPage?.p50)
  const deepOverFirstProbe = n(e.deepPage?.probe?.p50) / n(e.heavyFirstPage?.probe?.p50)
  const deepOverSampled = n(e.deepPage?.p50) / n(e.firstPage?.p50)
  const sendOne = n(e.sendOne?.rps) / r.limits.singleRowCommitsPerSecond
  const raw = r.limits.rawInsert.rows / r.limits.rawInsert.seconds
  const bulkRate = r.bulk.send.rows / r.bulk.send.seconds / raw
  const heavy = e.heavyCountAfterMarkAll
  const keysetSpeedup = n(e.offsetPageN?.probe?.p50) / n(e.keysetPageN?.probe?.p50)
  // Herald's rate over its own statements' rate through pg, same run (PostgreSQL only).
  const overRaw = (k: 'unreadCount' | 'firstPage') => n(e[k]?.rps) / n(r.raw?.[k]?.rps)
  const ceiling = (k: 'unreadCount' | 'firstPage') => {
    const c = cpuCeiling(r, k)
    return Number.isNaN(c) ? '' : ` (the CPU ceiling on this machine: ${x(c)})`
  }
  const baseCeiling = (k: EndpointName) => {
    const c = cpuCeilingOverBaseline(r, k)
    return Number.isNaN(c) ? '' : ` (the CPU ceiling on this machine: ${x(c)})`
  }
  const rawTargets: Target[] = r.raw
    ? [
        {
          name: 'unread count ≥ 60 % of its statements straight through pg',
          value: x(overRaw('unreadCount')) + ceiling('unreadCount'),
          met: overRaw('unreadCount') >= 0.6,
        },
        {
          name: 'first page ≥ 50 % of its statements straight through pg',
          value: x(overRaw('firstPage')) + ceiling('firstPage'),
          met: overRaw('firstPage') >= 0.5,
        },
      ]
    : []
  return [
    ...rawTargets,
    {
      name: 'unread count ≥ 40 % of baseline req/s, p99 < 10 ms',
      value: `${x(countRatio)}${baseCeiling('unreadCount')}, p99 ${msOf(n(count?.p99))} at c=50 (${msOf(n(count?.probe?.p99))} at c=1)`,
      met: countRatio >= 0.4 && n(count?.p99) < 10,
    },
    {
      name: '304 poll (counts with a current If-None-Match) ≥ 60 % of baseline',
      value: `${x(pollRatio)}, p99 ${msOf(n(e.notModifiedPoll?.p99))} at c=50`,
      met: pollRatio >= 0.6,
    },
    {
      name: 'first page ≥ 20 % of baseline',
      value: x(firstRatio) + baseCeiling('firstPage'),
      met: firstRatio >= 0.2,
    },
    {
      name: "deep page p50 within 1.25× of the same user's first page p50",
      value:
        `${x(deepOverFirst)} under load (${x(deepOverFirstProbe)} at c=1); ` +
        `${x(deepOverSampled)} of the sampled users' first page`,
      met: deepOverFirst <= 1.25,
    },
    {
      name: 'send to one ≥ 60 % of single-row commit rate',
      value: x(sendOne),
      met: sendOne >= 0.6,
    },
    {
      name: `send to ${r.bulk.send.rows.toLocaleString('en-US')} ≤ 1 s and ≥ 40 % of raw insert rate`,
      value: `${r.bulk.send.seconds.toFixed(3)} s, ${x(bulkRate)}`,
      met: r.bulk.send.seconds <= 1 && bulkRate >= 0.4,
    },
    {
      name: `mark all ${r.bulk.markAll.rows.toLocaleString('en-US')} read ≤ 50 ms; heavy count right after ≤ 10 ms p99 at c=1`,
      value: `${(r.bulk.markAll.seconds * 1000).toFixed(1)} ms; p99 ${msOf(n(heavy?.probe?.p99))} at c=1 (${msOf(n(heavy?.p99))} at c=50)`,
      met: r.bulk.markAll.seconds <= 0.05 && n(heavy?.probe?.p99) <= 10,
    },
    {
      name: 'keyset page 1,000 ≥ 10× faster than OFFSET + COUNT',
      value: `${x(keysetSpeedup)} by p50, one request at a time`,
      met: keysetSpeedup >= 10,
    },
  ]
}

const COMPARED: EndpointName[] = [
  'unreadCount',
  'firstPage',
  'deepPage',
  'markOneRead',
  'sendOne',
  'keysetPageN',
]

/** PGlite against PostgreSQL on the same data set: each endpoint's req/s, each bulk time. */
export function compareEngines(pg: BenchResult, lite: BenchResult): Target {
  const ratios: Array<[string, number]> = COMPARED.map((k) => [
    k,
    n(pg.endpoints[k]?.rps) / n(lite.endpoints[k]?.rps),
  ])
  for (const k of ['send', 'markAll', 'deleteByFilter'] as const) {
    ratios.push([k, lite.bulk[k].seconds / pg.bulk[k].seconds])
  }
  const worst = ratios.reduce((a, b) => (b[1] > a[1] ? b : a))
  return {
    name: 'PGlite within 3× of PostgreSQL on the same table',
    value: `${ratios.map(([k, v]) => `${k} ${x(v)}`).join(', ')}; worst ${worst[0]} ${x(worst[1])}`,
    met: ratios.every(([, v]) => v <= 3),
  }
}

export const renderTargets = (targets: Target[]): string =>
  ['Targets:', ...targets.map((t) => `  [${t.met ? 'met' : 'MISSED'}] ${t.name}: ${t.value}`)].join(
    '\n',
  )
