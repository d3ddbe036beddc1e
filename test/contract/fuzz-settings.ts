/**
 * How long the fuzzer runs and from which seed: FUZZ_RUNS (default 12) runs per property,
 * FUZZ_SEED (default 20261121) for another sequence.
 */

function envInteger(name: string): number | undefined {
  const value = process.env[name]
  if (value === undefined || value === '') return undefined
  if (!/^\d+$/.test(value)) throw new Error(`${name} must be a whole number, not ${value}`)
  return Number(value)
}

/** Small enough that the whole file runs in about ten seconds; FUZZ_RUNS=500 for a long run. */
export const RUNS = envInteger('FUZZ_RUNS') ?? 12
export const SEED = envInteger('FUZZ_SEED') ?? 20261121
/**
 * A user holds at most this many runs' worth of data, so lists stay small and money totals
 * stay far below their limit (a 422 for valid data): a run records a few amounts of at
 * most 1e9, and the limit is 1e13.
 */
export const ROTATE_EVERY = 1000
/** Resources of each kind made for a user up front, for safe methods and references. */
export const ANCHORS = 2
