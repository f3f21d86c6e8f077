// Writes the native OpenAPI document, as the server serves it at /openapi.json, to
// docs/openapi.json (or the file given): `npm run openapi`. The document depends only on the
// routes, so no store is opened: the app is built over a core and an authenticator that nothing
// calls, with a fixed configuration, and the output is the same on every run.
// Usage: node --import tsx scripts/openapi.ts [file]
import { writeFile } from 'node:fs/promises'
import type { Authenticator } from '../src/auth/principal.ts'
import { loadConfig } from '../src/config.ts'
import type { Core } from '../src/core/herald.ts'
import { createApp } from '../src/http/app.ts'

const file = process.argv[2] ?? 'docs/openapi.json'
const config = loadConfig({ HERALD_JWT_SECRET: 'only-the-openapi-document-0123456789' })
const unused = {}
const app = await createApp({ core: unused as Core, auth: unused as Authenticator, config })
const res = await app.inject({ url: '/openapi.json' })
if (res.statusCode !== 200) throw new Error(`/openapi.json answered ${res.statusCode}`)
await writeFile(file, `${JSON.stringify(res.json(), null, 2)}\n`)
await app.close()
console.log(`wrote ${file}`)
