/** A command line the `herald` command cannot run: it prints the usage and exits with 2. */
export class UsageError extends Error {}

/** The value of a required flag. */
export const need = (v: string | undefined, flag: string): string => {
  if (!v) throw new UsageError(`missing --${flag}`)
  return v
}
