import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { ApiKeyInfo } from './auth/api-keys.ts'
import { mintToken, TOKEN_TENANTS_MAX } from './auth/tokens.ts'
import { KEYS_USAGE, keysCommand, type ListedKey, type TenantKeys } from './cli-keys.ts'
import { need, UsageError } from './cli-usage.ts'
import { type Config, ConfigError, DIALECT_NAMES, type DialectName, loadConfig } from './config.ts'
import { isHeraldError } from './core/errors.ts'
import { setHeapGrowth } from './heap-growth.ts'
import type { Herald } from './server.ts'
import { UnsafeFileModeError } from './storage/file-modes.ts'
import { openPglite } from './storage/pglite-client.ts'
import {
  acquireStoreLock,
  type LockHolder,
  liveHolder,
  lockPathFor,
  StoreLockedError,
} from './storage/store-lock.ts'
import { isPostgresUrl } from './storage/store-url.ts'

const USAGE = `usage: herald <command> [options]

  serve                                   run the service (PGlite in ./data unless DATABASE_URL)
  migrate                                 apply database migrations
  token --tenant T --user U [--tenants T2,T3] [--admin] [--scopes a,b] [--ttl SECONDS] [--dialect NAME]
                                          print a user token (or a dialect's credential headers)
${KEYS_USAGE}
  send --tenant T (--to U1,U2 | --topic X | --all) --type K --title TEXT [--body TEXT] [--link URL]
       [--at TIME] [--critical]           send a notification (at TIME: RFC 3339, e.g.
                                          2027-01-04T09:00:00Z; --critical: whatever the
                                          recipients' preferences); warns on stderr when it
                                          reaches nobody
  preferences get --tenant T [--user U]   print the tenant's preferences, or a user's
  preferences set --tenant T [--user U] --json DOCUMENT
                                          replace them (the document as PUT /v1/preferences or
                                          PUT /v1/users/U/preferences takes it)
  purge [--tenant T]                      delete expired notifications and those past retention
                                          now (of one tenant, or every tenant), print the counts

Dialects for --dialect: ${DIALECT_NAMES.join(', ')}`

// The server, the store and the dialects (Fastify, PGlite, pg, Kysely...) are imported by the
// commands that use them, when they run: `herald token` starts without loading any of them.
const loadServer = () => import('./server.ts')

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i

/** Takes the embedded store's lock for this process (none for PostgreSQL), released on exit. */
function claimStore(config: Config, command: string) {
  const path = lockPathFor(config.databaseUrl)
  return path ? acquireStoreLock(path, command) : null
}

/**
 * The address of the server owning the embedded store, if one runs. A server still opening the
 * store has the lock but no address yet: wait for it (bounded) rather than fail a first command.
 */
async function runningServer(config: Config): Promise<string | null> {
  const path = lockPathFor(config.databaseUrl)
  if (!path) return null
  let holder: LockHolder | null = liveHolder(path)
  for (let i = 0; i < 150 && holder?.command === 'serve' && !holder.url; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    holder = liveHolder(path)
  }
  // Another CLI command holding the store is not a server: claiming the lock will say so.
  return holder?.url ?? null
}

/** The running server refused a request: its answer is the message. */
class ServerError extends Error {}

/** A short-lived token that acts as the tenant's producer, signed with Herald's own secret. */
async function operatorToken(config: Config, tenant: string) {
  if (!config.tokens.secret) throw new ConfigError('talking to the server needs HERALD_JWT_SECRET')
  return mintToken(config.tokens.secret, { tenant, user: 'herald-cli', operator: true, ttl: 300 })
}

/** Calls the running server as the tenant's operator (POST unless told). */
async function viaServer(
  config: Config,
  url: string,
  tenant: string,
  path: string,
  body?: unknown,
  method = 'POST',
) {
  const token = await operatorToken(config, tenant)
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const json = res.status === 204 ? null : ((await res.json()) as unknown)
  if (!res.ok) {
    const error = (json as { error?: { message?: string } } | null)?.error
    throw new ServerError(
      `server answered ${res.status}: ${error?.message ?? JSON.stringify(json)}`,
    )
  }
  return json
}

/** Opens the store in this process, under its lock: no server can open it meanwhile. */
async function withStore<R>(config: Config, command: string, fn: (h: Herald) => Promise<R>) {
  const lock = claimStore(config, command)
  try {
    const { buildHerald } = await loadServer()
    const h = await buildHerald({ config })
    try {
      return await fn(h)
    } finally {
      await h.close()
    }
  } finally {
    lock?.release()
  }
}

async function serve(config: Config) {
  const lock = claimStore(config, 'serve')
  // The process's own setting, before the server allocates anything.
  setHeapGrowth(config.heapGrowthPercent)
  // An embedded store's worker starts first: PGlite compiles its WebAssembly and starts its
  // PostgreSQL on that thread while this one loads the server's modules and builds the app.
  const pglite = isPostgresUrl(config.databaseUrl)
    ? undefined
    : openPglite({
        dataDir: config.databaseUrl,
        fsync: config.pgliteFsync,
        sharedBuffersMb: config.pgliteSharedBuffersMb,
        optimize: config.pgliteOptimize,
      })
  pglite?.catch(() => {}) // awaited (and reported) by buildHerald
  const { buildHerald } = await loadServer()
  const h = await buildHerald({ config, pglite, logger: true, background: true })
  const address = await h.app.listen({ host: config.host, port: config.port })
  lock?.publish(address)
  const store =
    h.storage.engine === 'pglite' ? `embedded PGlite in ${config.databaseUrl}` : 'PostgreSQL'
  console.log(`Herald listening on ${address} (${store})`)
  console.log(`API docs: ${address}/docs`)
  if (config.demo) console.log(`Live demo: ${address}/demo`)
  if (config.generatedSecret) {
    console.log(
      `Development secret generated in ${join(config.dataDir, 'dev-secret')}; do not use it in production.`,
    )
  }
  console.log('Get a user token:   npm run -s herald -- token --tenant demo --user alice')
  console.log('Get a server key:   npm run -s herald -- keys create --tenant demo')
  // A second signal, or a close that overran the deadline (it bounds the drain and the store
  // separately), exits at once: a stop is never left hanging.
  const stop = async () => {
    process.once('SIGINT', () => process.exit(1))
    process.once('SIGTERM', () => process.exit(1))
    setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 5_000).unref()
    await h.close()
    lock?.release()
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

async function token(config: Config, args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      tenant: { type: 'string' },
      tenants: { type: 'string' },
      user: { type: 'string' },
      admin: { type: 'boolean' },
      scopes: { type: 'string' },
      ttl: { type: 'string' },
      dialect: { type: 'string' },
    },
  })
  if (!config.tokens.secret) throw new ConfigError('minting tokens needs HERALD_JWT_SECRET')
  const ttl = values.ttl === undefined ? undefined : Number(values.ttl)
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0))
    throw new UsageError('--ttl must be a positive integer')
  const tenant = need(values.tenant, 'tenant')
  // Further tenants the user belongs to: the token acts in --tenant unless a request names one.
  const tenants = values.tenants?.split(',').filter(Boolean)
  if (tenants && tenants.length > TOKEN_TENANTS_MAX) {
    throw new UsageError(`--tenants names at most ${TOKEN_TENANTS_MAX} tenants`)
  }
  const jwt = await mintToken(config.tokens.secret, {
    tenant,
    tenants,
    user: need(values.user, 'user'),
    admin: values.admin,
    scopes: values.scopes?.split(',').filter(Boolean),
    ttl,
  })
  console.log(await credentialLines(values.dialect, jwt, tenant))
}

/** The token, or with --dialect the headers that dialect's clients send, ready for `curl -H`. */
async function credentialLines(dialect: string | undefined, jwt: string, tenant: string) {
  if (dialect === undefined) return jwt
  if (!(DIALECT_NAMES as readonly string[]).includes(dialect)) {
    throw new UsageError(`unknown dialect "${dialect}"`)
  }
  const { DIALECTS } = await import('./http/dialects/index.ts')
  const headers = DIALECTS[dialect as DialectName].credentialHeaders(jwt, tenant)
  return Object.entries(headers)
    .map(([name, value]) => `${HEADER_NAMES[name] ?? name}: ${value}`)
    .join('\n')
}

/** How people write the headers surfaces name in lower case. */
const HEADER_NAMES: Record<string, string> = {
  authorization: 'Authorization',
  'x-auth-token': 'X-Auth-Token',
  'x-organization-id': 'X-Organization-Id',
}

const listed = (k: ApiKeyInfo): ListedKey => ({
  id: k.id,
  name: k.name,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  expiresAt: k.expiresAt?.toISOString() ?? null,
})

/** The tenant's keys through the running server's native routes, as its operator. */
function keysViaServer(config: Config, url: string, tenant: string): TenantKeys {
  const call = (path: string, body?: unknown, method?: string) =>
    viaServer(config, url, tenant, `/v1/api-keys${path}`, body, method)
  const one = (id: string) => `/${encodeURIComponent(id)}`
  return {
    create: async (name) => (await call('', { name: name ?? undefined })) as TenantKeyCreated,
    async list() {
      const all: ListedKey[] = []
      let cursor: string | null = null
      do {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''
        const page = (await call(`?limit=100${query}`, undefined, 'GET')) as {
          items: ListedKey[]
          next: string | null
        }
        all.push(...page.items)
        cursor = page.next
      } while (cursor)
      return all
    },
    revoke: async (id) => {
      await call(one(id), undefined, 'DELETE')
    },
    rotate: async (id, { overlapS, name }) =>
      (await call(`${one(id)}/rotate`, {
        overlapSeconds: overlapS,
        name: name ?? undefined,
      })) as Awaited<ReturnType<TenantKeys['rotate']>>,
  }
}
type TenantKeyCreated = Awaited<ReturnType<TenantKeys['create']>>

/** The tenant's keys in the store itself, opened by this process for each step. */
function keysInStore(config: Config, tenant: string): TenantKeys {
  const inStore = <R>(fn: (h: Herald) => Promise<R>) => withStore(config, 'keys', fn)
  return {
    create: (name) => inStore((h) => h.auth.createApiKey(tenant, name)),
    list: () =>
      inStore(async (h) => {
        const all: ApiKeyInfo[] = []
        for (;;) {
          const last = all.at(-1)
          const page = await h.auth.listApiKeys(tenant, last ?? null, 100)
          all.push(...page)
          if (page.length < 100) return all.map(listed)
        }
      }),
    revoke: (id) => inStore((h) => h.auth.revokeApiKey(tenant, id)),
    rotate: (id, opts) =>
      inStore(async (h) => {
        const out = await h.auth.rotateApiKey(tenant, id, opts)
        return { key: out.key, previous: { id, expiresAt: out.previous.expiresAt.toISOString() } }
      }),
  }
}

async function keys(config: Config, args: string[]) {
  await keysCommand(args, async (tenant) => {
    const server = await runningServer(config)
    return server ? keysViaServer(config, server, tenant) : keysInStore(config, tenant)
  })
}

async function send(config: Config, args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      tenant: { type: 'string' },
      to: { type: 'string' },
      topic: { type: 'string' },
      all: { type: 'boolean' },
      type: { type: 'string' },
      title: { type: 'string' },
      body: { type: 'string' },
      link: { type: 'string' },
      at: { type: 'string' },
      critical: { type: 'boolean' },
    },
  })
  const tenant = need(values.tenant, 'tenant')
  const to = values.to
    ? { users: values.to.split(',').filter(Boolean) }
    : values.topic
      ? { topic: values.topic }
      : values.all
        ? { tenant: true as const }
        : null
  if (!to) throw new UsageError('name the recipients: --to U1,U2, --topic X or --all')
  if (values.at !== undefined && !RFC3339.test(values.at))
    throw new UsageError('--at takes an RFC 3339 time with a zone, e.g. 2027-01-04T09:00:00Z')
  const body = {
    to,
    type: need(values.type, 'type'),
    title: need(values.title, 'title'),
    body: values.body,
    link: values.link,
    sendAt: values.at,
    critical: values.critical,
  }
  const server = await runningServer(config)
  const result = (
    server
      ? await viaServer(config, server, tenant, '/v1/notifications', body)
      : await withStore(config, 'send', async (h) => {
          const { sendAt, ...input } = body
          const when = { sendAt: sendAt === undefined ? undefined : new Date(sendAt) }
          const out = await h.core.schedules.send(tenant, input, when)
          if ('sent' in out) return out.sent
          console.error('herald: scheduled; a running server delivers it when it is due')
          const { renderScheduled } = await import('./http/native/routes/scheduled.ts')
          return renderScheduled(out.scheduled)
        })
  ) as { warning?: string }
  console.log(JSON.stringify(result, null, 2))
  // A send that reached nobody succeeded, but a person typing it most likely meant otherwise.
  if (result.warning) console.error(`herald: warning: ${result.warning}`)
}

async function preferences(config: Config, args: string[]) {
  const [action, ...rest] = args
  if (action !== 'get' && action !== 'set') {
    throw new UsageError('preferences needs get or set')
  }
  const { values } = parseArgs({
    args: rest,
    options: { tenant: { type: 'string' }, user: { type: 'string' }, json: { type: 'string' } },
  })
  const tenant = need(values.tenant, 'tenant')
  let doc: unknown
  if (action === 'set') {
    try {
      doc = JSON.parse(need(values.json, 'json'))
    } catch (err) {
      if (err instanceof UsageError) throw err
      throw new UsageError(`--json is not JSON: ${(err as Error).message}`)
    }
  }
  const path = values.user
    ? `/v1/users/${encodeURIComponent(values.user)}/preferences`
    : '/v1/preferences'
  const method = action === 'get' ? 'GET' : 'PUT'
  const server = await runningServer(config)
  // Without a server, the same route answers in this process: the same checks, the same answer.
  const result = server
    ? await viaServer(config, server, tenant, path, doc, method)
    : await withStore(config, `preferences ${action}`, async (h) => {
        const token = await operatorToken(config, tenant)
        const res = await h.app.inject({
          method,
          url: path,
          headers: { authorization: `Bearer ${token}` },
          ...(method === 'PUT' ? { payload: doc as object } : {}),
        })
        const json = res.json() as unknown
        if (res.statusCode >= 300) {
          throw new ServerError(`answered ${res.statusCode}: ${JSON.stringify(json)}`)
        }
        return json
      })
  console.log(JSON.stringify(result, null, 2))
}

interface PurgeTotals {
  expired: number
  read: number
  old: number
  messages?: number
  idempotencyKeys?: number
}

/**
 * Purges now what the background job would purge in time. With a server owning the embedded
 * store, it goes through that server (one tenant at a time: its operator token is a tenant's),
 * a bounded request at a time until nothing is left; otherwise it opens the store itself.
 */
async function purge(config: Config, args: string[]) {
  const { values } = parseArgs({ args, options: { tenant: { type: 'string' } } })
  const tenant = values.tenant ?? null
  if (tenant === '') throw new UsageError('--tenant needs a value')
  const server = await runningServer(config)
  let totals: PurgeTotals
  if (server) {
    if (tenant === null) {
      throw new UsageError(
        `the server at ${server} owns the store and purges every tenant in the background; name --tenant to purge one now through it`,
      )
    }
    totals = { expired: 0, read: 0, old: 0 }
    for (;;) {
      const r = (await viaServer(config, server, tenant, '/v1/retention/purge')) as PurgeTotals & {
        more: boolean
      }
      totals.expired += r.expired
      totals.read += r.read
      totals.old += r.old
      if (!r.more) break
    }
  } else {
    const { more: _, ...run } = await withStore(config, 'purge', (h) => h.cleanup.purgeAll(tenant))
    totals = run
  }
  console.log(JSON.stringify({ tenant, deleted: totals }, null, 2))
}

async function main(argv: string[]) {
  const [command, ...args] = argv
  if (!command || command === '--help' || command === 'help') {
    console.log(USAGE)
    return command ? 0 : 2
  }
  const config = loadConfig()
  switch (command) {
    case 'serve':
      await serve(config)
      return null
    case 'migrate': {
      const lock = claimStore(config, 'migrate')
      const { migrateStorage, openStorage } = await import('./storage/db.ts')
      const storage = await openStorage({
        url: config.databaseUrl,
        fsync: config.pgliteFsync,
        sharedBuffersMb: config.pgliteSharedBuffersMb,
        optimize: config.pgliteOptimize,
      })
      const applied = await migrateStorage(storage)
      await storage.close()
      lock?.release()
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'up to date')
      return 0
    }
    case 'token':
      await token(config, args)
      return 0
    case 'keys':
      await keys(config, args)
      return 0
    case 'send':
      await send(config, args)
      return 0
    case 'preferences':
      await preferences(config, args)
      return 0
    case 'purge':
      await purge(config, args)
      return 0
    default:
      throw new UsageError(`unknown command "${command}"`)
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== null) process.exit(code)
  },
  (err: unknown) => {
    if (
      err instanceof UsageError ||
      (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      console.error(`herald: ${(err as Error).message}\n\n${USAGE}`)
      process.exit(2)
    }
    const known =
      err instanceof ConfigError ||
      err instanceof ServerError ||
      isHeraldError(err) ||
      err instanceof StoreLockedError ||
      err instanceof UnsafeFileModeError
    console.error(`herald: ${known ? err.message : (err as Error).stack}`)
    process.exit(1)
  },
)
