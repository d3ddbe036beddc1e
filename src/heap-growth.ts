/**
 * How far V8 lets the old generation grow before its next full collection.
 *
 * The service keeps about 20-25 MB alive (heap snapshots at idle and after a minute of
 * mixed load agree, so nothing accumulates), but under load V8 picks its growing factor
 * itself, up to 4x the live size when collecting is cheap, so the old generation swung
 * between 25 and 100+ MB, mostly garbage, and the resident size between 125 and 200 MiB
 * depending on the moment it was read (issue 10, item 7: under 150 MB). A fixed factor
 * of 1.5 holds it near 130 MiB, for about twice as many full collections (mostly
 * concurrent; under the bench's mixed load their pauses add up to 1.7% of the time
 * instead of 0.6%).
 *
 * Set by the process itself, so `node dist/server.js`, as deployed and as measured,
 * behaves the same whatever its command line. V8 reads this flag at every full
 * collection (MemoryController::GrowingFactor), so setting it after start-up takes
 * effect. An operator's own `--heap-growing-percent=<n>` on the command line wins (Node
 * refuses the flag in NODE_OPTIONS, so the command line is the only place it can come from).
 */
import { setFlagsFromString } from 'node:v8'

/** The old generation may grow to (1 + this / 100) times what the last full collection kept. */
export const HEAP_GROWING_PERCENT = 50

/** The V8 flag to set, or undefined when the operator has chosen a growing percent already. */
export function heapGrowthFlag(execArgv: readonly string[]): string | undefined {
  const chosen = execArgv.some((arg) => /^--heap[-_]growing[-_]percent(=|$)/.test(arg))
  return chosen ? undefined : `--heap-growing-percent=${HEAP_GROWING_PERCENT}`
}

export function limitHeapGrowth(): void {
  const flag = heapGrowthFlag(process.execArgv)
  if (flag) setFlagsFromString(flag)
}
