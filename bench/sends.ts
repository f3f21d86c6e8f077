// `npm run bench -- --sends [--engine …]`: only the 50,000-recipient sends, with and without a
// tenth of the recipients muted, on an empty store: the rows of the full run that preferences
// touch, in a minute instead of the full run's seeding and loads.
import { bigSend, mutedSends, type Timed } from './bulk.ts'
import { type EngineName, startServer } from './server.ts'

export interface SendsResult {
  engine: EngineName
  at: string
  recipients: number
  /** The first send to them all: every recipient new to the tenant. */
  first: Timed
  noneMuted: Timed
  tenthMuted: Timed
  critical: Timed
}

export async function runSends(
  engine: EngineName,
  recipients: number,
  log: (line: string) => void,
): Promise<SendsResult> {
  const s = await startServer(engine)
  try {
    const apiKey = (await s.herald.auth.createApiKey('bench', 'bench')).key
    log(`sends to ${recipients} on ${engine}…`)
    const first = await bigSend(s.url, apiKey, recipients)
    const rest = await mutedSends(s.url, apiKey, s.herald.storage.db, recipients)
    return { engine, at: new Date().toISOString(), recipients, first, ...rest }
  } finally {
    await s.close()
  }
}

export function renderSends(r: SendsResult): string {
  const line = (label: string, t: Timed) =>
    `  ${label.padEnd(34)} ${t.seconds.toFixed(3)} s  (${t.rows.toLocaleString('en-US')} got it)`
  const ratio = (r.tenthMuted.seconds / r.noneMuted.seconds).toFixed(2)
  return [
    `${r.engine}, ${r.recipients.toLocaleString('en-US')} recipients, ${r.at}:`,
    line('first send (all new recipients)', r.first),
    line('again, none muted', r.noneMuted),
    line('again, a tenth muted', r.tenthMuted),
    line('again, critical (no preferences)', r.critical),
    `  a tenth muted / none muted: ${ratio}×`,
  ].join('\n')
}
