import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { mintToken } from '../../src/auth/tokens.ts'
import {
  type ApiServer,
  asUser,
  launchChromium,
  openInbox,
  produce,
  rowIds,
  skipBrowser,
  startApi,
  startHostApp,
  tempDir,
  waitBadge,
} from '../support/browser.ts'
import { SECRET } from '../support/harness.ts'

const TENANT = 'live'
const SENDS = 20
// A reconnect replays at most this many missed notifications; past it, a reset: refetch the list.
const ENV = { HERALD_STREAM_REPLAY_MAX: '2' }

const row = (id: number | undefined) => `herald-inbox .row[data-id="${id}"]`

/** The p-th percentile of sorted figures, nearest rank. */
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN

/**
 * Records in the page when the badge's text changes (a MutationObserver in the shadow root),
 * so a send's latency is measured to the change itself, not to the test's next look.
 */
async function recordBadge(page: Page) {
  await page.evaluate(() => {
    const el = document.querySelector('herald-inbox')
    const root = el?.shadowRoot
    if (!root) throw new Error('the element has not rendered')
    const changes: Array<{ text: string | null; at: number }> = []
    Reflect.set(window, 'badgeChanges', changes)
    new MutationObserver(() => {
      const text = root.querySelector('.badge')?.textContent ?? null
      if (changes.at(-1)?.text !== text) changes.push({ text, at: Date.now() })
    }).observe(root, { subtree: true, childList: true, characterData: true })
  })
}

describe('<herald-inbox> live, in Chromium', { skip: skipBrowser }, () => {
  const dir = tempDir()
  let browser: Browser
  let context: BrowserContext
  let host: Awaited<ReturnType<typeof startHostApp>>
  let api: ApiServer
  let key: string
  let page: Page
  let token = ''
  const send = (title: string) =>
    produce(api.url, key, { to: { users: ['dan'] }, type: 'ping', title })

  before(async () => {
    ;[browser, host] = await Promise.all([launchChromium(), startHostApp()])
    api = await startApi(dir.dir, host.origin, 0, ENV)
    key = (await api.herald.auth.createApiKey(TENANT)).key
    token = await mintToken(SECRET, { tenant: TENANT, user: 'dan', ttl: 600 })
    for (let i = 1; i <= 3; i++) await send(`Earlier ${i}`)
    context = await browser.newContext({ viewport: { width: 1000, height: 800 } })
    page = await context.newPage()
    await openInbox(page, host.origin, { api: api.url, token })
    await waitBadge(page, '3')
    await page.click('herald-inbox .bell')
    await page.waitForSelector('herald-inbox .row')
  })

  after(async () => {
    await browser?.close()
    await api?.herald.close()
    await host?.close()
    dir.remove()
  })

  test('a notification sent through the producer API appears at the top and is announced', async () => {
    const sent = await send('Fresh from the backend')
    const id = sent.notifications?.[0]?.id
    await page.waitForSelector(row(id))
    assert.equal((await rowIds(page))[0], id)
    await waitBadge(page, '4')
    const announced = await page.textContent('herald-inbox [role="status"][aria-live="polite"]')
    assert.equal(announced?.trim(), 'New notification: Fresh from the backend')
  })

  test('changes made in another tab or device show: read, archived, deleted', async () => {
    const [a, b, c] = await rowIds(page)
    await asUser(api.url, token, 'POST', `/v1/me/notifications/${a}/read`)
    await page.waitForFunction(
      (sel) =>
        !document
          .querySelector('herald-inbox')
          ?.shadowRoot?.querySelector(sel)
          ?.classList.contains('unread'),
      `.row[data-id="${a}"]`,
    )
    await waitBadge(page, '3')
    await asUser(api.url, token, 'POST', `/v1/me/notifications/${b}/dismiss`)
    await page.waitForSelector(row(b), { state: 'detached' })
    await asUser(api.url, token, 'DELETE', `/v1/me/notifications/${c}`)
    await page.waitForSelector(row(c), { state: 'detached' })
    await waitBadge(page, '1')
  })

  test(`send to badge, over ${SENDS} sends (figures in the diagnostics)`, async (t) => {
    await asUser(api.url, token, 'POST', '/v1/me/notifications/bulk', {
      action: 'read',
      filter: {},
    })
    await waitBadge(page, null)
    await recordBadge(page)
    const took: number[] = []
    for (let i = 1; i <= SENDS; i++) {
      const started = Date.now()
      await send(`Timed ${i}`)
      await waitBadge(page, String(i))
      const at = await page.evaluate(
        (want) =>
          (Reflect.get(window, 'badgeChanges') as Array<{ text: string; at: number }>).find(
            (c) => c.text === want,
          )?.at,
        String(i),
      )
      assert.ok(at, `the badge never read ${i}`)
      took.push(at - started)
    }
    took.sort((a, b) => a - b)
    t.diagnostic(
      `send → badge over ${SENDS} sends: median ${percentile(took, 50)} ms, p95 ${percentile(took, 95)} ms, max ${took.at(-1)} ms`,
    )
  })

  test('offline, then back: the notice shows; more was missed than replays, so a reset refetches', async () => {
    await context.setOffline(true)
    await page.waitForSelector('herald-inbox [part="notice"]')
    assert.match(String(await page.textContent('herald-inbox [part="notice"]')), /offline/)
    const missed: Array<number | undefined> = []
    for (let i = 1; i <= 3; i++)
      missed.push((await send(`Sent while offline ${i}`)).notifications?.[0]?.id)
    await context.setOffline(false)
    for (const id of missed) await page.waitForSelector(row(id))
    await page.waitForSelector('herald-inbox [part="notice"]', { state: 'detached' })
    await waitBadge(page, String(SENDS + 3))
  })

  test('the server restarts on the same port and data: the inbox reconnects by itself', async (t) => {
    const { port } = api
    await api.herald.close()
    const stopped = Date.now()
    api = await startApi(dir.dir, host.origin, port, ENV)
    const up = Date.now()
    const sent = await send('After the restart')
    // The client retries with a growing, capped back-off: its next attempt may be seconds away.
    await page.waitForSelector(row(sent.notifications?.[0]?.id), { timeout: 45_000 })
    t.diagnostic(
      `restart: server down for ${up - stopped} ms, the notification on screen ${Date.now() - up} ms after it was back`,
    )
    await waitBadge(page, String(SENDS + 4))
  })
})
