import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
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
  waitRows,
} from '../support/browser.ts'
import { SECRET } from '../support/harness.ts'

const row = (id: number | undefined) => `herald-inbox .row[data-id="${id}"]`

describe('<herald-inbox> action buttons in Chromium', { skip: skipBrowser }, () => {
  const dir = tempDir()
  let browser: Browser
  let host: Awaited<ReturnType<typeof startHostApp>>
  let api: ApiServer
  let page: Page
  let token = ''

  before(async () => {
    ;[browser, host] = await Promise.all([launchChromium(), startHostApp()])
    api = await startApi(dir.dir, host.origin)
    const key = (await api.herald.auth.createApiKey('acme')).key
    token = await mintToken(SECRET, { tenant: 'acme', user: 'dee', ttl: 600 })
    await produce(api.url, key, {
      to: { users: ['dee'] },
      type: 'comment',
      title: 'Plain',
      link: 'https://app.example/plain',
    })
    await produce(api.url, key, {
      to: { users: ['dee'] },
      type: 'review',
      title: 'Review requested',
      link: 'https://app.example/pr/7',
      actions: [
        { label: 'Approve', url: 'https://app.example/pr/7/approve', style: 'primary' },
        { label: 'View diff', url: 'https://app.example/pr/7/diff' },
      ],
    })
    page = await browser.newPage({ viewport: { width: 1000, height: 800 } })
  })

  after(async () => {
    await browser?.close()
    await api?.herald.close()
    await host?.close()
    dir.remove()
  })

  test('the buttons show on their row only, and one follows its link through herald-navigate and marks the row read', async () => {
    await openInbox(page, host.origin, { api: api.url, token })
    await waitBadge(page, '2')
    await page.click('herald-inbox .bell')
    await waitRows(page, 2)
    const [withActions, plain] = await rowIds(page)
    assert.equal(await page.locator(`${row(plain)} .cta-button`).count(), 0)
    const buttons = page.locator(`${row(withActions)} .cta-button`)
    assert.deepEqual(await buttons.allTextContents(), ['Approve', 'View diff'])
    assert.match(String(await buttons.nth(0).getAttribute('class')), /\bprimary\b/)
    assert.match(String(await buttons.nth(1).getAttribute('class')), /\bsecondary\b/)

    const [res] = await Promise.all([
      page.waitForResponse(
        (r) =>
          r.request().method() === 'POST' &&
          r.url().endsWith(`/v1/me/notifications/${withActions}/read`),
      ),
      buttons.nth(1).click(),
    ])
    assert.ok(res.ok())
    await waitBadge(page, '1')
    const navigations = await page.evaluate(() => Reflect.get(window, 'navigations'))
    assert.deepEqual(navigations, [{ id: withActions, link: 'https://app.example/pr/7/diff' }])
    const read = await asUser(api.url, token, 'GET', `/v1/me/notifications/${withActions}`)
    assert.equal(read.json.read, true)
  })
})
