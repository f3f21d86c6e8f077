// `npm run bench -- --broadcast [--engine …] [--quick]`: a send to every user of a tenant of
// 1,000,000 (100,000 with --quick), stored once as a broadcast, and what the first read of one
// of those users costs afterwards (the read that copies it into their inbox), against the same
// read again for the same users (nothing left to copy).
import { sql } from 'kysely'
import { TENANT } from './seed.ts'
import { type EngineName, startServer } from './server.ts'

export interface BroadcastResult {
  engine: EngineName
  at: string
  users: number
  seedSeconds: number
  sendSeconds: number
  recipients: number
  broadcast: boolean
  /** c=1, milliseconds: the first count and first page of fresh users (each copies it). */
  firstCount: number[]
  firstPage: number[]
  /** The same requests again for the same users: nothing to copy. */
  againCount: number[]
  againPage: number[]
}

const READERS = 20

async function timedGet(url: string, token: string): Promise<number> {
  const started = performance.now()
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  await res.arrayBuffer()
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`)
  return performance.now() - started
}

export async function runBroadcast(
  engine: EngineName,
  users: number,
  log: (line: string) => void,
): Promise<BroadcastResult> {
  const s = await startServer(engine)
  try {
    const db = s.herald.storage.db
    const apiKey = (await s.herald.auth.createApiKey(TENANT, 'bench')).key
    log(`seeding ${users.toLocaleString('en-US')} users on ${engine}…`)
    const seeded = performance.now()
    // Seeded a day ago: members well before the broadcast.
    // In parts, each well inside the statement timeout.
    for (let from = 1; from <= users; from += 100_000) {
      const to = Math.min(users, from + 99_999)
      await sql`INSERT INTO users (tenant_id, id, created_at)
        SELECT ${TENANT}, 'u' || lpad(k::text, 7, '0'), now() - interval '1 day'
        FROM generate_series(${from}::int, ${to}::int) k`.execute(db)
    }
    await sql`ANALYZE users`.execute(db)
    const seedSeconds = (performance.now() - seeded) / 1000
    log('broadcast…')
    const started = performance.now()
    const res = await fetch(`${s.url}/v1/notifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: { tenant: true }, type: 'announcement', title: 'To everyone' }),
    })
    const json = (await res.json()) as { recipients: number; broadcast: boolean }
    const sendSeconds = (performance.now() - started) / 1000
    if (res.status !== 201) throw new Error(`the broadcast answered ${res.status}`)
    const out = { firstCount: [], firstPage: [], againCount: [], againPage: [] } as Pick<
      BroadcastResult,
      'firstCount' | 'firstPage' | 'againCount' | 'againPage'
    >
    // Readers spread over the tenant; the count and the page each go first for half of them.
    for (let i = 0; i < READERS; i++) {
      const user = `u${String(1 + Math.floor((i * users) / READERS)).padStart(7, '0')}`
      const token = await s.token(user)
      const count = `${s.url}/v1/me/counts?cap=99`
      const page = `${s.url}/v1/me/notifications?limit=20`
      if (i % 2 === 0) {
        out.firstCount.push(await timedGet(count, token))
        out.againPage.push(await timedGet(page, token))
      } else {
        out.firstPage.push(await timedGet(page, token))
        out.againCount.push(await timedGet(count, token))
      }
    }
    return {
      engine,
      at: new Date().toISOString(),
      users,
      seedSeconds,
      sendSeconds,
      recipients: json.recipients,
      broadcast: json.broadcast,
      ...out,
    }
  } finally {
    await s.close()
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? Number.NaN
}

export function renderBroadcast(r: BroadcastResult): string {
  const ms = (xs: number[]) =>
    `p50 ${median(xs).toFixed(2)} ms, max ${Math.max(...xs).toFixed(2)} ms (${xs.length})`
  return [
    `${r.engine}, a tenant of ${r.users.toLocaleString('en-US')} users, ${r.at}:`,
    `  seeded in ${r.seedSeconds.toFixed(1)} s`,
    `  send to the tenant             ${r.sendSeconds.toFixed(3)} s (broadcast: ${r.broadcast}, recipients ${r.recipients.toLocaleString('en-US')})`,
    `  first read, count (copies it)  ${ms(r.firstCount)}`,
    `  first read, page (copies it)   ${ms(r.firstPage)}`,
    `  then the page                  ${ms(r.againPage)}`,
    `  then the count                 ${ms(r.againCount)}`,
  ].join('\n')
}
