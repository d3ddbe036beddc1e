/**
 * A clock that stands still until the test moves it: windows of the rate limits end
 * when the test says, not when the machine gets round to it.
 */
import type { Clock } from '../../src/timestamps.js'

export interface ManualClock {
  readonly now: Clock
  /** Moves the clock on by `ms` milliseconds. */
  advance(ms: number): void
}

export function manualClock(start = '2026-12-05T12:00:00.000Z'): ManualClock {
  let current = Date.parse(start)
  return {
    now: () => new Date(current),
    advance: (ms) => {
      current += ms
    },
  }
}
