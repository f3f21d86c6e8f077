// The live demo's page, script and styles (served by demo.ts). No inline script or style, so the
// page runs under a strict Content-Security-Policy, as a host application's would.

const NOT_BUILT = `<p class="warning" role="alert">The component is not built yet: run
<code>node scripts/build-browser.mjs</code> (<code>npm install</code> runs it) and reload.</p>`

export function demoHtml(built: boolean): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Herald live demo</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/demo/demo.css">
<script type="module" src="/demo/herald-inbox.js"></script>
<script type="module" src="/demo/demo.js"></script>
</head>
<body>
<header class="bar">
  <strong>Acme&nbsp;App</strong>
  <span class="spacer"></span>
  <herald-inbox id="inbox"></herald-inbox>
</header>
<main>
  <h1>Herald live demo</h1>
  ${built ? '' : NOT_BUILT}
  <p>The bell above is <code>&lt;herald-inbox&gt;</code>, signed in as <code>demo-user</code> of
  tenant <code>demo</code> with a short-lived token this server minted. Sending goes through the
  producer API on the server side: no server key ever reaches this page.</p>
  <p class="buttons">
    <button type="button" id="send-one">Send a test notification</button>
    <button type="button" id="send-many">Send 25</button>
  </p>
  <p class="options">
    <label>Theme <select id="theme"><option>auto</option><option>light</option><option>dark</option></select></label>
    <label>Language <select id="locale"><option value="en">English</option><option value="de">Deutsch</option></select></label>
  </p>
  <p id="log" role="status"></p>
  <p>Open this page in a second tab: reading, archiving or deleting in one shows in the other.
  The API reference is at <a href="/docs">/docs</a>.</p>
</main>
</body>
</html>
`
}

export const DEMO_JS = `const inbox = document.getElementById('inbox')
const log = document.getElementById('log')
let cached = null
async function token() {
  if (cached && cached.expires - Date.now() > 60000) return cached.token
  const res = await fetch('/demo/token', { method: 'POST' })
  if (!res.ok) throw new Error('the demo token could not be minted: ' + res.status)
  const body = await res.json()
  cached = { token: body.token, expires: Date.parse(body.expiresAt) }
  return body.token
}
inbox.tokenProvider = token
inbox.baseUrl = location.origin
inbox.addEventListener('herald-navigate', (e) => {
  log.textContent = 'herald-navigate: ' + (e.detail.link || '(no link)')
})
async function send(count) {
  const res = await fetch('/demo/send', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ count }),
  })
  log.textContent = res.ok ? 'Sent ' + count + '.' : 'Sending failed: ' + res.status
}
document.getElementById('send-one').addEventListener('click', () => send(1))
document.getElementById('send-many').addEventListener('click', () => send(25))
document.getElementById('theme').addEventListener('change', (e) => { inbox.theme = e.target.value })
document.getElementById('locale').addEventListener('change', (e) => { inbox.locale = e.target.value })
`

export const DEMO_CSS = `body { margin: 0; font: 15px/1.5 system-ui, sans-serif; color: #1b1f24; background: #f6f8fa; }
.bar { display: flex; align-items: center; gap: 12px; padding: 8px 20px; background: #fff; border-bottom: 1px solid #d0d7de; }
.spacer { flex: 1; }
main { max-width: 720px; margin: 24px auto; padding: 0 20px; }
button { font: inherit; padding: 6px 12px; border-radius: 6px; border: 1px solid #1f5bd1; background: #1f5bd1; color: #fff; cursor: pointer; }
button + button { margin-left: 8px; background: #fff; color: #1f5bd1; }
label + label { margin-left: 16px; }
.warning { padding: 8px 12px; border-radius: 6px; background: #fff4e5; border: 1px solid #d97706; }
code { font-size: 0.92em; }
`
