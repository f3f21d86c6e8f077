// Writes packages/client/src/schema.d.ts: the types openapi-typescript generates from the OpenAPI
// document of a Herald built in-process (an in-memory store, nothing listening).
// Usage: node --import tsx scripts/client-types.ts   (npm run client:types)
import { writeFile } from 'node:fs/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript'
import { loadConfig } from '../src/config.ts'
import { buildHerald } from '../src/server.ts'

export const SCHEMA_FILE = fileURLToPath(
  new URL('../packages/client/src/schema.d.ts', import.meta.url),
)

/** Herald's OpenAPI document, from a Herald built with the default surfaces. */
export async function openApiDocument(snapshot?: string): Promise<OpenAPI3> {
  // A fixed secret: the document does not depend on it, and no data directory is touched.
  const config = loadConfig({
    HERALD_JWT_SECRET: 'client-types-0123456789-abcdefghijklmnop',
    DATABASE_URL: 'memory://',
  })
  const herald = await buildHerald({ config, snapshot })
  try {
    const res = await herald.app.inject({ url: '/openapi.json' })
    if (res.statusCode !== 200) throw new Error(`/openapi.json answered ${res.statusCode}`)
    return res.json() as OpenAPI3
  } finally {
    await herald.close()
  }
}

/** The text of schema.d.ts for that document. */
export async function clientTypes(snapshot?: string): Promise<string> {
  const nodes = await openapiTS(await openApiDocument(snapshot), { silent: true })
  return COMMENT_HEADER + astToString(nodes)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await writeFile(SCHEMA_FILE, await clientTypes())
  console.log(`wrote ${SCHEMA_FILE}`)
}
