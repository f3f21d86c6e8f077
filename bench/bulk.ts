import { userId } from './seed.ts'

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

/** One send to `recipients` users through the native API; the response comes after commit. */
export async function bigSend(base: string, apiKey: string, recipients: number): Promise<Timed> {
  const users = Array.from({ length: recipients }, (_, i) => userId(i + 1))
  const { seconds, json } = await timedPost(`${base}/v1/notifications`, apiKey, {
    to: { users },
    type: 'announcement',
    title: 'Scheduled maintenance tonight',
    body: 'The service will be read-only between 22:00 and 22:30.',
  })
  return { seconds, rows: Number(json.recipients) }
}

/** "Mark all read" from the inbox: every unread notification of the caller. */
export async function markAll(base: string, token: string): Promise<Timed> {
  const { seconds, json } = await timedPost(`${base}/v1/me/notifications/bulk`, token, {
    action: 'read',
    filter: {},
  })
  return { seconds, rows: Number(json.changed) }
}

/** Delete by filter: the caller's notifications created before a time. */
export async function deleteBefore(base: string, token: string, before: string): Promise<Timed> {
  const { seconds, json } = await timedPost(`${base}/v1/me/notifications/bulk`, token, {
    action: 'delete',
    filter: { createdBefore: before },
  })
  return { seconds, rows: Number(json.changed) }
}
