// The load generator's process: run apart from the server so that, on a 2-core machine, it does
// not share an event loop with what it measures. Argument: a LoadSpec JSON file; prints the
// LoadResult as JSON on stdout.
import { readFileSync } from 'node:fs'
import { type LoadSpec, runLoad } from './load.ts'

const spec = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as LoadSpec
process.stdout.write(`${JSON.stringify(await runLoad(spec))}\n`)
