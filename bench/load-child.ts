// The load generator's process: run apart from the server so that, on a 2-core machine, it does
// not share an event loop with what it measures. Argument: a LoadSpec (HTTP) or RawSpec (SQL
// through pg) JSON file; prints the LoadResult as JSON on stdout.
import { readFileSync } from 'node:fs'
import { type LoadSpec, runLoad } from './load.ts'
import { type RawSpec, runRaw } from './raw.ts'

const spec = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as LoadSpec | RawSpec
const result = spec.mode === 'raw' ? await runRaw(spec) : await runLoad(spec)
process.stdout.write(`${JSON.stringify(result)}\n`)
