import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { clientTypes, SCHEMA_FILE } from '../../scripts/client-types.ts'

test('the checked-in client types match the live OpenAPI document', async () => {
  const live = await clientTypes(process.env.HERALD_TEST_PGLITE_SNAPSHOT)
  const kept = await readFile(SCHEMA_FILE, 'utf8')
  assert.ok(
    live === kept,
    'packages/client/src/schema.d.ts is stale: run `npm run client:types` and commit it',
  )
})
