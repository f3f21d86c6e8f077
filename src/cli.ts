import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { mintToken } from './auth/tokens.ts'
import { type Config, ConfigError, DIALECT_NAMES, type DialectName, loadConfig } from './config.ts'
import { DIALECTS } from './http/dialects/index.ts'
import { buildHerald } from './server.ts'
import { migrate, openStorage } from './storage/db.ts'
import { UnsafeFileModeError } from './storage/file-modes.ts'
import {
  acquireStoreLock,
  type LockHolder,
  liveHolder,
  lockPathFor,
  StoreLockedError,
} from './storage/store-lock.ts'

const USAGE = `usage: herald <command> [options]

  serve                                   run the service (PGlite in ./data unless DATABASE_URL)
  migrate                                 apply database migrations
  token --tenant T --user U [--admin] [--scopes a,b] [--ttl SECONDS] [--dialect NAME]
                                          print a user token (or a dialect's credential headers)
  keys create --tenant T [--name N]       print a new server API key (shown once)
  send --tenant T (--to U1,U2 | --topic X | --all) --type K --title TEXT [--body TEXT] [--link URL]
                                          send a notification
  purge [--tenant T]                      delete expired notifications and those past retention
                                          now (of one tenant, or every tenant), print the counts

Dialects for --dialect: ${DIALECT_NAMES.join(', ')}`

class UsageError extends Error {}

const need = (v: string | undefined, flag: string): string => {
  if (!v) throw new UsageError(`missing --${flag}`)
  return v
}

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

/** Calls the running server as the tenant's operator. */
async function viaServer(
  config: Config,
  url: string,
  tenant: string,
  path: string,
  body?: unknown,
) {
  if (!config.tokens.secret) throw new ConfigError('talking to the server needs HERALD_JWT_SECRET')
  const token = await mintToken(config.tokens.secret, {
    tenant,
    user: 'herald-cli',
    operator: true,
    ttl: 300,
  })
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const json = (await res.json()) as unknown
  if (!res.ok) throw new Error(`server answered ${res.status}: ${JSON.stringify(json)}`)
  return json
}

/** Opens the store in this process, under its lock: no server can open it meanwhile. */
async function withStore<R>(
  config: Config,
  command: string,
  fn: (h: Awaited<ReturnType<typeof buildHerald>>) => Promise<R>,
) {
  const lock = claimStore(config, command)
  try {
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
  const h = await buildHerald({ config, logger: true, background: true })
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
  const jwt = await mintToken(config.tokens.secret, {
    tenant,
    user: need(values.user, 'user'),
    admin: values.admin,
    scopes: values.scopes?.split(',').filter(Boolean),
    ttl,
  })
  console.log(credentialLines(values.dialect, jwt, tenant))
}

/** The token, or with --dialect the headers that dialect's clients send, ready for `curl -H`. */
function credentialLines(dialect: string | undefined, jwt: string, tenant: string): string {
  if (dialect === undefined) return jwt
  if (!(DIALECT_NAMES as readonly string[]).includes(dialect)) {
    throw new UsageError(`unknown dialect "${dialect}"`)
  }
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

async function keys(config: Config, args: string[]) {
  const [sub, ...rest] = args
  if (sub !== 'create') throw new UsageError('keys: the only subcommand is "create"')
  const { values } = parseArgs({
    args: rest,
    options: { tenant: { type: 'string' }, name: { type: 'string' } },
  })
  const tenant = need(values.tenant, 'tenant')
  const server = await runningServer(config)
  const created = server
    ? ((await viaServer(config, server, tenant, '/v1/api-keys', { name: values.name })) as {
        key: string
      })
    : await withStore(config, 'keys create', (h) =>
        h.auth.createApiKey(tenant, values.name ?? null),
      )
  console.log(created.key)
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
  const body = {
    to,
    type: need(values.type, 'type'),
    title: need(values.title, 'title'),
    body: values.body,
    link: values.link,
  }
  const server = await runningServer(config)
  const result = server
    ? await viaServer(config, server, tenant, '/v1/notifications', body)
    : await withStore(config, 'send', (h) => h.core.sender.send(tenant, body))
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
      const storage = await openStorage({ url: config.databaseUrl, fsync: config.pgliteFsync })
      const applied = await migrate(storage.db)
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
      err instanceof StoreLockedError ||
      err instanceof UnsafeFileModeError
    console.error(`herald: ${known ? err.message : (err as Error).stack}`)
    process.exit(1)
  },
)
