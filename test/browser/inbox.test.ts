import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { mintToken } from '../../src/auth/tokens.ts'
import {
  type ApiServer,
  artifactPath,
  asUser,
  axeViolations,
  badgeText,
  focused,
  launchChromium,
  openInbox,
  produce,
  rowIds,
  skipBrowser,
  startApi,
  startHostApp,
  tempDir,
  waitBadge,
  waitRows,
} from '../support/browser.ts'
import { SECRET } from '../support/harness.ts'

const TENANT = 'acme'
const SEEDED = 45 // more than two pages of 20
const AVATAR =
  'data:image/svg+xml,%3Csvg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"%3E%3Crect width="8" height="8" fill="%23369"/%3E%3C/svg%3E'

const row = (id: number | undefined) => `herald-inbox .row[data-id="${id}"]`

/**
 * Clicks, and waits for Herald's answer to the request the click makes: the row changes at once,
 * before the server has it.
 */
async function clickAndAnswer(page: Page, selector: string, method: string, path: string) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method && r.url().endsWith(path)),
    page.click(selector),
  ])
  assert.ok(res.ok(), `${method} ${path}: ${res.status()}`)
}

describe('<herald-inbox> in Chromium, on another origin than Herald', { skip: skipBrowser }, () => {
  const dir = tempDir()
  let browser: Browser
  let host: Awaited<ReturnType<typeof startHostApp>>
  let api: ApiServer
  let page: Page
  let key = ''
  const token: Record<string, string> = {}
  const get = (user: string, path: string) => asUser(api.url, token[user] ?? '', 'GET', path)

  before(async () => {
    ;[browser, host] = await Promise.all([launchChromium(), startHostApp()])
    api = await startApi(dir.dir, host.origin)
    key = (await api.herald.auth.createApiKey(TENANT)).key
    for (const user of ['ana', 'bea', 'cy']) {
      token[user] = await mintToken(SECRET, { tenant: TENANT, user, ttl: 600 })
    }
    for (let i = 1; i <= SEEDED; i++) {
      await produce(api.url, key, {
        to: { users: ['ana'] },
        type: i % 5 === 0 ? 'mention' : 'comment',
        title: `Comment ${i}`,
        body: `Body of comment ${i}`,
        link: `https://app.example/items/${i}`,
        actor:
          i % 2 === 0
            ? { id: 'u-grace', displayName: 'Grace Hopper' }
            : { id: 'u-ada', displayName: 'Ada Lovelace', avatarUrl: AVATAR },
        mention: i % 5 === 0,
      })
    }
    // Past the badge's cap of 99.
    for (let i = 0; i < 100; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          produce(api.url, key, { to: { users: ['bea'] }, type: 'bulk', title: `Bulk ${i + j}` }),
        ),
      )
    }
    page = await browser.newPage({ viewport: { width: 1000, height: 800 } })
  })

  after(async () => {
    await browser?.close()
    await api?.herald.close()
    await host?.close()
    dir.remove()
  })

  test('the badge shows the unread count, and "99+" past 99', async () => {
    await openInbox(page, host.origin, { api: api.url, token: token.ana ?? '' })
    await waitBadge(page, String(SEEDED))
    assert.equal(
      await page.getAttribute('herald-inbox .bell', 'aria-label'),
      `Notifications, ${SEEDED} unread`,
    )
    assert.equal(await page.getAttribute('herald-inbox .bell', 'aria-expanded'), 'false')

    const other = await browser.newPage()
    await openInbox(other, host.origin, { api: api.url, token: token.bea ?? '' })
    await waitBadge(other, '99+')
    assert.equal(
      await other.getAttribute('herald-inbox .bell', 'aria-label'),
      'Notifications, 99+ unread',
    )
    await other.close()
  })

  test('the panel lists the first page; scrolling to its end reads the next ones', async () => {
    await page.click('herald-inbox .bell')
    assert.equal(await page.getAttribute('herald-inbox .bell', 'aria-expanded'), 'true')
    assert.equal(await page.getAttribute('herald-inbox .panel', 'role'), 'dialog')
    await waitRows(page, 20)
    assert.equal(await page.textContent('herald-inbox .row .title'), `Comment ${SEEDED}`)
    assert.equal(await page.locator('herald-inbox .row .avatar img').count(), 10, 'pictures')
    assert.equal(
      await page.textContent('herald-inbox .row .avatar:not(:has(img))'),
      'GH',
      'or initials',
    )
    assert.match(String(await page.textContent('herald-inbox .row time')), /now|second|minute/)
    for (const want of [40, SEEDED]) {
      await page.$eval('herald-inbox', (el) => {
        const body = el.shadowRoot?.querySelector('.body')
        if (body) body.scrollTop = body.scrollHeight
      })
      await waitRows(page, want)
    }
    const ids = await rowIds(page)
    assert.equal(new Set(ids).size, SEEDED, 'no row twice')
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => b - a),
      'newest first',
    )
    await page.waitForSelector('herald-inbox .sentinel', { state: 'detached' }) // the end is known
  })

  test('a click on a row hands its link to herald-navigate and marks it read', async () => {
    const [id] = await rowIds(page)
    assert.match(String(await page.getAttribute(row(id), 'class')), /\bunread\b/)
    await clickAndAnswer(page, `${row(id)} .main`, 'POST', `/v1/me/notifications/${id}/read`)
    await waitBadge(page, String(SEEDED - 1))
    const navigations = await page.evaluate(() => Reflect.get(window, 'navigations'))
    assert.deepEqual(navigations, [{ id, link: `https://app.example/items/${SEEDED}` }])
    assert.doesNotMatch(String(await page.getAttribute(row(id), 'class')), /\bunread\b/)
    assert.equal((await get('ana', `/v1/me/notifications/${id}`)).json.read, true)
  })

  test('archive (dismiss) and restore (undismiss) through the Archived tab', async () => {
    const [, id] = await rowIds(page)
    const dismiss = `${row(id)} [data-action="dismiss"]`
    await clickAndAnswer(page, dismiss, 'POST', `/v1/me/notifications/${id}/dismiss`)
    await page.waitForSelector(row(id), { state: 'detached' })
    assert.equal(await page.textContent('herald-inbox .toast span'), 'Archived.')
    assert.equal((await get('ana', `/v1/me/notifications/${id}`)).json.dismissed, true)
    await page.click('herald-inbox [role="tab"]:text("Archived")')
    await page.waitForSelector(row(id))
    assert.deepEqual(await rowIds(page), [id])
    // "Restore" in this tab.
    await clickAndAnswer(page, dismiss, 'POST', `/v1/me/notifications/${id}/undismiss`)
    await page.waitForSelector('herald-inbox [part="empty"]')
    assert.equal((await get('ana', `/v1/me/notifications/${id}`)).json.dismissed, false)
    await page.click('herald-inbox [role="tab"]:text("All")')
    await page.waitForSelector(row(id))
  })

  test('snooze for an hour: the row leaves the list until then', async () => {
    const [, , id] = await rowIds(page)
    await page.click(`${row(id)} [data-action="snooze"]`)
    const hour = `${row(id)} [data-action="snooze-hour"]`
    await clickAndAnswer(page, hour, 'POST', `/v1/me/notifications/${id}/snooze`)
    await page.waitForSelector(row(id), { state: 'detached' })
    const until = Date.parse((await get('ana', `/v1/me/notifications/${id}`)).json.snoozedUntil)
    const ahead = until - Date.now()
    assert.ok(ahead > 55 * 60_000 && ahead <= 60 * 60_000, `snoozed ${ahead} ms ahead`)
  })

  test('delete: the row goes, and so does the notification', async () => {
    const [id] = await rowIds(page)
    await clickAndAnswer(
      page,
      `${row(id)} [data-action="delete"]`,
      'DELETE',
      `/v1/me/notifications/${id}`,
    )
    await page.waitForSelector(row(id), { state: 'detached' })
    assert.equal((await get('ana', `/v1/me/notifications/${id}`)).status, 404)
  })

  test("host tabs filter as the host asked; a host's renderItem draws the rows", async () => {
    const tabs = [{ id: 'mentions', label: 'Mentions', filter: { mention: true } }]
    await openInbox(page, host.origin, {
      api: api.url,
      token: token.ana ?? '',
      tabs: JSON.stringify(tabs),
    })
    await page.click('herald-inbox .bell')
    await page.click('herald-inbox [role="tab"]:text("Mentions")')
    const want = (await get('ana', '/v1/me/notifications?mention=true&limit=100')).json.items.map(
      (n: { id: number }) => n.id,
    )
    await waitRows(page, want.length)
    assert.deepEqual(await rowIds(page), want)
    await page.$eval('herald-inbox', (el) => {
      Reflect.set(
        el,
        'renderItem',
        (n: { title: string; type: string }) => `[${n.type}] ${n.title}`,
      )
    })
    await page.waitForFunction(() =>
      document
        .querySelector('herald-inbox')
        ?.shadowRoot?.querySelector('.row .main')
        ?.textContent?.startsWith('[mention]'),
    )
    assert.equal(
      await page.locator('herald-inbox .row .avatar').count(),
      0,
      'the default row is gone',
    )
  })

  test('mark all read: the badge goes, the Unread tab is empty', async () => {
    await clickAndAnswer(
      page,
      'herald-inbox [part="mark-all"]',
      'POST',
      '/v1/me/notifications/bulk',
    )
    await waitBadge(page, null)
    assert.equal(await page.getAttribute('herald-inbox .bell', 'aria-label'), 'Notifications')
    await page.click('herald-inbox [role="tab"]:text("Unread")')
    await page.waitForSelector('herald-inbox [part="empty"]')
    assert.equal(
      (await page.textContent('herald-inbox [part="empty"]'))?.trim(),
      'No unread notifications.',
    )
    assert.equal((await get('ana', '/v1/me/counts')).json.counts.unread, 0)
  })

  test('keyboard: Tab to the bell, Enter opens, arrows move, Tab stays in, Escape returns', async () => {
    await openInbox(page, host.origin, { api: api.url, token: token.ana ?? '' })
    await page.waitForSelector('herald-inbox .bell')
    await page.keyboard.press('Tab')
    assert.equal((await focused(page))?.cls, 'bell')
    await page.keyboard.press('Enter')
    await waitRows(page, 20)
    const ids = await rowIds(page)
    await page.waitForFunction(() =>
      document.activeElement?.shadowRoot?.activeElement?.classList.contains('main'),
    )
    assert.deepEqual(await focused(page), { cls: 'main', row: ids[0] })
    await page.keyboard.press('ArrowDown')
    assert.deepEqual(await focused(page), { cls: 'main', row: ids[1] })
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('ArrowUp')
    assert.deepEqual(await focused(page), { cls: 'main', row: ids[1] })
    await page.keyboard.press('End')
    assert.equal((await focused(page))?.row, ids.at(-1))
    await page.keyboard.press('Home')
    assert.equal((await focused(page))?.row, ids[0])
    // The focus trap: however often Tab is pressed, focus stays in the panel.
    for (let i = 0; i < 14; i++) {
      await page.keyboard.press(i % 4 === 3 ? 'Shift+Tab' : 'Tab')
      const inside = await page.evaluate(() => {
        const el = document.activeElement?.shadowRoot?.activeElement
        return el?.closest('.panel') !== null && el !== undefined
      })
      assert.ok(inside, `focus left the panel after ${i + 1} presses`)
    }
    await page.keyboard.press('Escape')
    await page.waitForSelector('herald-inbox .panel', { state: 'detached' })
    assert.equal((await focused(page))?.cls, 'bell')
    assert.equal(await page.getAttribute('herald-inbox .bell', 'aria-expanded'), 'false')
  })

  test('axe-core finds no serious or critical violation; screenshots, light and dark', async (t) => {
    // Read and unread rows, pictures and initials, on one screen.
    for (const [i, who] of ['Katherine Johnson', 'Alan Turing'].entries()) {
      await produce(api.url, key, {
        to: { users: ['ana'] },
        type: 'review',
        title: `${who} asked for your review of “Orbit calculations ${i + 1}”`,
        body: 'Two files changed; the tests pass.',
        actor: { id: who.toLowerCase().replace(' ', '-'), displayName: who },
      })
    }
    for (const theme of ['light', 'dark']) {
      await openInbox(page, host.origin, { api: api.url, token: token.ana ?? '', theme })
      await page.click('herald-inbox .bell')
      await waitRows(page, 20)
      const violations = await axeViolations(page)
      assert.deepEqual(violations, [], `${theme}: ${JSON.stringify(violations, null, 1)}`)
      const path = artifactPath(`herald-inbox-${theme}.png`)
      await page.screenshot({ path })
      t.diagnostic(`screenshot (${theme}): ${path}`)
    }
  })

  test('empty, error and another language', async () => {
    await openInbox(page, host.origin, { api: api.url, token: token.cy ?? '', locale: 'de' })
    assert.equal(await page.getAttribute('herald-inbox .bell', 'aria-label'), 'Benachrichtigungen')
    await page.click('herald-inbox .bell')
    await page.waitForSelector('herald-inbox [part="empty"]')
    assert.equal((await page.textContent('herald-inbox [part="empty"]'))?.trim(), 'Alles erledigt.')
    assert.equal(await page.textContent('herald-inbox h2'), 'Benachrichtigungen')

    await openInbox(page, host.origin, { api: api.url, token: 'not-a-token' })
    await page.click('herald-inbox .bell')
    await page.waitForSelector('herald-inbox [part="error"]')
    assert.match(
      String(await page.textContent('herald-inbox [part="error"]')),
      /could not be loaded/,
    )
    assert.equal(await badgeText(page), null)
  })
})
