import { parseArgs } from 'node:util'
import { keyIdOf, MAX_OVERLAP_S } from './auth/api-keys.ts'
import { need, UsageError } from './cli-usage.ts'

/** A key as `keys list` shows it (the native API's `ApiKeyInfo`). */
export interface ListedKey {
  id: string
  name: string | null
  createdAt: string
  lastUsedAt: string | null
  expiresAt: string | null
}

/** What `herald keys` does to one tenant's keys: through a running server, or the store itself. */
export interface TenantKeys {
  create(name: string | null): Promise<{ id: string; key: string }>
  /** Every working key of the tenant, oldest first. */
  list(): Promise<ListedKey[]>
  revoke(id: string): Promise<void>
  rotate(
    id: string,
    opts: { overlapS?: number; name: string | null },
  ): Promise<{ key: string; previous: { id: string; expiresAt: string } }>
}

export const KEYS_USAGE = `  keys create --tenant T [--name N]       print a new server API key (shown once)
  keys list --tenant T [--json]           the tenant's working keys: id, name, created, last used
  keys revoke --tenant T ID|KEY           revoke a key, named by its id or the key itself
  keys rotate --tenant T ID|KEY [--overlap SECONDS] [--name N]
                                          print a new key in place of one; the old key works
                                          SECONDS more (default 86400, 0: stops now)`

const table = (keys: ListedKey[]): string => {
  const rows = [
    ['ID', 'NAME', 'CREATED', 'LAST USED', 'EXPIRES'],
    ...keys.map((k) => [
      k.id,
      k.name ?? '-',
      k.createdAt,
      k.lastUsedAt ?? 'never',
      k.expiresAt ?? '-',
    ]),
  ]
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? []
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/** The one key a revoke or rotate names: its id, or the key itself (never sent anywhere whole). */
function named(positionals: string[], sub: string): string {
  const [which, ...more] = positionals
  if (!which || more.length > 0) throw new UsageError(`keys ${sub}: name one key, by id or the key`)
  return keyIdOf(which)
}

function overlapOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || n > MAX_OVERLAP_S) {
    throw new UsageError(`--overlap must be whole seconds from 0 to ${MAX_OVERLAP_S}`)
  }
  return n
}

/** `herald keys …`: `open` reaches the tenant's keys once the arguments are known to be good. */
export async function keysCommand(args: string[], open: (tenant: string) => Promise<TenantKeys>) {
  const [sub, ...rest] = args
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      name: { type: 'string' },
      overlap: { type: 'string' },
      json: { type: 'boolean' },
    },
  })
  const tenant = need(values.tenant, 'tenant')
  if ((sub === 'create' || sub === 'list') && positionals.length > 0) {
    throw new UsageError(`keys ${sub} takes no key: unexpected "${positionals[0]}"`)
  }
  switch (sub) {
    case 'create': {
      console.log((await (await open(tenant)).create(values.name ?? null)).key)
      return
    }
    case 'list': {
      const keys = await (await open(tenant)).list()
      console.log(values.json ? JSON.stringify(keys, null, 2) : table(keys))
      return
    }
    case 'revoke': {
      const id = named(positionals, sub)
      await (await open(tenant)).revoke(id)
      console.log(`revoked ${id}`)
      return
    }
    case 'rotate': {
      const id = named(positionals, sub)
      const overlapS = overlapOf(values.overlap)
      const out = await (await open(tenant)).rotate(id, { overlapS, name: values.name ?? null })
      // The new key alone on stdout, as `keys create` prints it, so KEY=$(…) works.
      console.log(out.key)
      console.error(`the old key ${out.previous.id} works until ${out.previous.expiresAt}`)
      return
    }
    default:
      throw new UsageError('keys: the subcommands are create, list, revoke and rotate')
  }
}
