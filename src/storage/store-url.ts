// Apart from db.ts, which loads pg and Kysely: commands that only ask which store a URL names
// (the store lock) must not load them (see cli.ts).

/** True for a PostgreSQL URL; anything else names an embedded PGlite store (a directory). */
export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//.test(url)
