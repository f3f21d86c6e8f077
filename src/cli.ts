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
       [--critical]                       send a notification (--critical: whatever the
                                          recipients' preferences); warns on stderr when it
                                          reaches nobody
  preferences get --tenant T [--user U]   print the tenant's preferences, or a user's
  preferences set --tenant T [--user U] --json DOCUMENT
                                          replace them (the document as PUT /v1/preferences or
                                          PUT /v1/users/U/preferences takes it)

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

/** A short-lived token that acts as the tenant's producer, signed with Herald's own secret. */
async function operatorToken(config: Config, tenant: string) {
  if (!config.tokens.secret) throw new ConfigError('talking to the server needs HERALD_JWT_SECRET')
  return mintToken(config.tokens.secret, { tenant, user: 'herald-cli', operator: true, ttl: 300 })
}

/** Calls the running server as the tenant's operator. */
async function viaServer(
  config: Config,
  url: string,
  tenant: string,
  path: string,
  body: unknown,
  method: 'GET' | 'POST' | 'PUT' = 'POST',
) {
  const token = await operatorToken(config, tenant)
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
    },
    body: method === 'GET' ? undefined : JSON.stringify(body),
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
  const body = {
    to,
    type: need(values.type, 'type'),
    title: need(values.title, 'title'),
    body: values.body,
    link: values.link,
    critical: values.critical,
  }
  const server = await runningServer(config)
  const result = (
    server
      ? await viaServer(config, server, tenant, '/v1/notifications', body)
      : await withStore(config, 'send', (h) => h.core.sender.send(tenant, body))
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
  const user = values.user
  let doc: unknown
  if (action === 'set') {
    try {
      doc = JSON.parse(need(values.json, 'json'))
    } catch (err) {
      if (err instanceof UsageError) throw err
      throw new UsageError(`--json is not JSON: ${(err as Error).message}`)
    }
  }
  const path = user ? `/v1/users/${encodeURIComponent(user)}/preferences` : '/v1/preferences'
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
          throw new Error(`answered ${res.statusCode}: ${JSON.stringify(json)}`)
        }
        return json
      })
  console.log(JSON.stringify(result, null, 2))
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
    case 'preferences':
      await preferences(config, args)
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
