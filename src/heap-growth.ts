import { setFlagsFromString } from 'node:v8'

/**
 * How far the JavaScript heap may grow past what the last full collection kept before the next
 * one, in percent (HERALD_HEAP_GROWTH_PERCENT; 0 leaves it to V8). V8 picks the factor itself
 * from how cheap collecting has looked, up to four times what was kept: with a thousand open
 * streams and a burst of sends to them the server held about 60 MB and let its heap reach about
 * 200 MB between two collections. A bound keeps the process near what it holds, for more
 * frequent full collections. On PostgreSQL, where this thread is the busy one, that costs: at 20
 * that burst peaked at 192-200 MB instead of 241-268, but a first page took 0.57 ms of CPU instead
 * of 0.38 (at 50 and 100: 0.44), so V8 chooses there by default. On the embedded store this
 * thread waits for PostgreSQL's, and 30 is the default (config.ts; bench/README.md, "The heap's
 * growth" and "The embedded store's defaults").
 * V8 reads the setting whenever it sets the next collection's threshold, so it applies from the
 * next collection on.
 */
export function setHeapGrowth(percent: number): void {
  // 0 is V8's own default: its growth chosen from the collector's speed.
  setFlagsFromString(`--heap-growing-percent=${Math.trunc(percent)}`)
}
