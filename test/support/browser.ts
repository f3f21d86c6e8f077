import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { loadConfig } from '../../src/config.ts'
import { buildHerald, type Herald } from '../../src/server.ts'
import { SECRET } from './harness.ts'

export const CHROMIUM = '/usr/bin/chromium'
export const BUNDLE = resolve('packages/inbox/dist/herald-inbox.js')
const AXE = resolve('node_modules/axe-core/axe.min.js')
export const ARTIFACTS = resolve('test-artifacts')

/** Why the browser suites cannot run here (scripts/test.mjs installs chromium where it can). */
export const skipBrowser: string | false = existsSync(CHROMIUM)
  ? false
  : process.env.CI === 'true'
    ? false
    : `${CHROMIUM} is missing (scripts/test.mjs installs it as root)`

/** Debian's chromium, headless, with nothing of its own talking to the network. */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(BUNDLE)) {
    throw new Error(`${BUNDLE} is missing: run node scripts/build-browser.mjs`)
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/**
 * The host application: another origin than Herald's, serving a page with `<herald-inbox>`
 * configured from the query string (`api`, `token`, `theme`, `locale`), the bundle and axe-core.
 * Navigations the element asks for are recorded in `window.navigations` and cancelled.
 */
export async function startHostApp(): Promise<{ origin: string; close(): Promise<void> }> {
  const page = readFileSync(resolve('test/browser/host-page.html'))
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const file = path === '/herald-inbox.js' ? BUNDLE : path === '/axe.min.js' ? AXE : null
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page)
    } else if (file) {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(file))
    } else res.writeHead(404).end()
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  }
}

export interface ApiServer {
  herald: Herald
  url: string
  port: number
}

/**
 * A real Herald listening on `port` (0: any) over an embedded store in `dataDir`, letting
 * `pageOrigin` in through CORS. Started again on the same port and directory, it is the same
 * service after a restart.
 */
export async function startApi(
  dataDir: string,
  pageOrigin: string,
  port = 0,
  env: Record<string, string> = {},
): Promise<ApiServer> {
  const config = loadConfig({
    HERALD_JWT_SECRET: SECRET,
    HERALD_DATA_DIR: dataDir,
    HERALD_CORS_ORIGINS: pageOrigin,
    HERALD_PGLITE_FSYNC: 'false',
    HERALD_RATE_LIMIT: '100000',
    HERALD_RATE_LIMIT_ADDRESS: '100000',
    HERALD_SHUTDOWN_TIMEOUT_MS: '1000',
    ...env,
  })
  const herald = await buildHerald({ config })
  const address = await herald.app.listen({ host: '127.0.0.1', port })
  return { herald, url: address, port: Number(new URL(address).port) }
}

export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'herald-browser-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Sends through the producer API over HTTP, as a backend would. */
export async function produce(api: string, key: string, body: Record<string, unknown>) {
  const res = await fetch(`${api}/v1/notifications`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (res.status !== 201) throw new Error(`send failed: ${res.status} ${await res.text()}`)
  return (await res.json()) as { notifications: Array<{ id: number }> | null }
}

/** A user's own call, as another tab or device of theirs would make it. */
export async function asUser(
  api: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, json: res.status === 204 ? null : await res.json() }
}

/** Opens the host page with the element pointing at `api` and signed in with `token`. */
export async function openInbox(
  page: Page,
  origin: string,
  params: Record<string, string>,
): Promise<void> {
  await page.goto(`${origin}/?${new URLSearchParams(params)}`)
  await page.waitForFunction(() => customElements.get('herald-inbox') !== undefined)
}

/** The badge's text, or null when the bell shows none. */
export const badgeText = (page: Page, selector = 'herald-inbox') =>
  page.evaluate(
    (sel) => document.querySelector(sel)?.shadowRoot?.querySelector('.badge')?.textContent ?? null,
    selector,
  )

/** Serious and critical axe-core violations on the page as it is now. */
export async function axeViolations(page: Page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ url: '/axe.min.js' })
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown): Promise<AxeResult> } }).axe
    const r = await axe.run(document)
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')),
    }))
  })
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical')
}

interface AxeResult {
  violations: Array<{
    id: string
    impact: string | null
    help: string
    nodes: Array<{ target: string[] }>
  }>
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true })
  return join(ARTIFACTS, name)
}

/** Waits until the badge reads `text` (null: no badge). */
export async function waitBadge(page: Page, text: string | null, selector = 'herald-inbox') {
  await page.waitForFunction(
    ([sel, want]) =>
      (document.querySelector(sel as string)?.shadowRoot?.querySelector('.badge')?.textContent ??
        null) === want,
    [selector, text] as const,
  )
}

/** Waits until the list shows `n` rows. */
export async function waitRows(page: Page, n: number) {
  await page.waitForFunction(
    (want) =>
      document.querySelector('herald-inbox')?.shadowRoot?.querySelectorAll('.row').length === want,
    n,
  )
}

/** The ids of the rows shown, top to bottom. */
export const rowIds = (page: Page) =>
  page.$$eval('herald-inbox .row', (rows) => rows.map((r) => Number(r.getAttribute('data-id'))))

/** What has focus inside the inbox: the focused element's classes and its row's id. */
export const focused = (page: Page) =>
  page.evaluate(() => {
    const host = document.activeElement
    const el = host?.shadowRoot?.activeElement
    if (host?.tagName !== 'HERALD-INBOX' || !el) return null
    const row = el.closest('.row')
    return {
      cls: String(el.getAttribute('class') ?? el.getAttribute('role')),
      row: row ? Number(row.getAttribute('data-id')) : null,
    }
  })
