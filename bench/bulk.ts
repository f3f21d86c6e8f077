import { type Kysely, sql } from 'kysely'
import type { Database } from '../src/storage/schema.ts'
import { TENANT, userId } from './seed.ts'

export interface Timed {
  seconds: number
  rows: number
}

async function timedPost(url: string, token: string, body: unknown) {
  const started = performance.now()
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const json = (await res.json()) as Record<string, unknown>
  const seconds = (performance.now() - started) / 1000
  if (!res.ok) throw new Error(`POST ${url} answered ${res.status}: ${JSON.stringify(json)}`)
  return { seconds, json }
}

/**
 * One send to `recipients` users through the native API; the response comes after commit. `rows`
 * is how many got it (recipients who turned the type off are skipped).
 */
export async function bigSend(
  base: string,
  apiKey: string,
  recipients: number,
  type = 'announcement',
  critical = false,
): Promise<Timed> {
  const users = Array.from({ length: recipients }, (_, i) => userId(i + 1))
  const { seconds, json } = await timedPost(`${base}/v1/notifications`, apiKey, {
    to: { users },
    type,
    title: 'Scheduled maintenance tonight',
    body: 'The service will be read-only between 22:00 and 22:30.',
    ...(critical ? { critical } : {}),
  })
  return { seconds, rows: Number(json.recipients) }
}

/**
 * Every tenth of the first `recipients` users turns `type` off: the fixture of the muted sends,
 * written set-based as the seed is (5,000 users' settings at 50,000 recipients).
 */
export async function muteEveryTenth(db: Kysely<Database>, recipients: number, type: string) {
  await sql`INSERT INTO user_preferences (tenant_id, user_id, kind, name, in_app)
    SELECT ${TENANT}, 'u' || lpad(k::text, 5, '0'), 'type', ${type}, false
    FROM generate_series(10, ${recipients}, 10) k
    ON CONFLICT DO NOTHING`.execute(db)
}

/**
 * A 50,000-recipient send with nobody muted, one with every tenth recipient muted, and a critical
 * one of the muted type (which joins no preferences at all), taken in turn twice so that none is
 * always the one sent into a larger table; each figure is the faster of its two runs.
 */
export async function mutedSends(base: string, apiKey: string, db: Kysely<Database>, n: number) {
  await muteEveryTenth(db, n, 'maintenance')
  const runs: Record<'none' | 'muted' | 'critical', Timed[]> = { none: [], muted: [], critical: [] }
  for (let i = 0; i < 2; i++) {
    runs.none.push(await bigSend(base, apiKey, n, 'release-notes'))
    runs.muted.push(await bigSend(base, apiKey, n, 'maintenance'))
    runs.critical.push(await bigSend(base, apiKey, n, 'maintenance', true))
  }
  const best = (t: Timed[]) => t.reduce((a, b) => (b.seconds < a.seconds ? b : a))
  return {
    noneMuted: best(runs.none),
    tenthMuted: best(runs.muted),
    critical: best(runs.critical),
  }
}

/**
 * "Mark all read" from the inbox: every unread notification of the caller. `rows` is their unread
 * count just before (the reply's `changed` stops at 99), asked untimed.
 */
export async function markAll(base: string, token: string): Promise<Timed> {
  const counts = await fetch(`${base}/v1/me/counts`, {
    headers: { authorization: `Bearer ${token}` },
  })
  const unread = Number(((await counts.json()) as { counts: { unread: number } }).counts.unread)
  const { seconds } = await timedPost(`${base}/v1/me/notifications/bulk`, token, {
    action: 'read',
    filter: {},
  })
  return { seconds, rows: unread }
}

/** Delete by filter: the caller's notifications created before a time. */
export async function deleteBefore(base: string, token: string, before: string): Promise<Timed> {
  const { seconds, json } = await timedPost(`${base}/v1/me/notifications/bulk`, token, {
    action: 'delete',
    filter: { createdBefore: before },
  })
  return { seconds, rows: Number(json.changed) }
}
