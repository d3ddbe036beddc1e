/**
 * Target 7: the service's resident size after a minute of mixed load, and whether it
 * grows from that minute to the next. The load cycles through every side-by-side case
 * (reads, JSON and form creates and updates) and a list page, a few seconds each, for
 * two minutes (BENCH_MEMORY_SECONDS per minute); RSS is read from /proc after each.
 */
import { verdict } from './format.js'
import { type LoadCase, runLoad } from './load.js'
import type { RunningServer } from './servers.js'

/** Growth from the first minute to the second that still reads as "not growing". */
const MAX_GROWTH = 0.05

/** Each case runs this long before the next takes over. */
const SLICE_SECONDS = 5

export interface MemoryFigures {
  readonly secondsPerMinute: number
  /** Resident size after each "minute" of mixed load, in MiB. */
  readonly rssMiB: readonly number[]
}

async function mixedLoad(server: RunningServer, cases: readonly LoadCase[], seconds: number, connections: number): Promise<void> {
  let left = seconds
  for (let i = 0; left > 0; i++) {
    const slice = Math.min(SLICE_SECONDS, left)
    const load = cases[i % cases.length]
    if (load) await runLoad(server, load, slice, connections)
    left -= slice
  }
}

export async function measureMemory(server: RunningServer, cases: readonly LoadCase[], secondsPerMinute: number, connections: number): Promise<MemoryFigures> {
  const rssMiB: number[] = []
  for (let minute = 0; minute < 2; minute++) {
    await mixedLoad(server, cases, secondsPerMinute, connections)
    rssMiB.push(server.rssMiB() ?? Number.NaN)
  }
  return { secondsPerMinute, rssMiB }
}

export function memoryTable({ secondsPerMinute, rssMiB }: MemoryFigures): string {
  const [first = Number.NaN, second = Number.NaN] = rssMiB
  const growth = (second - first) / first
  return [
    `Mixed load (every request case and a list page in ${SLICE_SECONDS} s turns), ${secondsPerMinute} s per "minute".`,
    '',
    '| after | resident size | target |',
    '| --- | --- | --- |',
    `| minute 1 | ${first.toFixed(0)} MiB | < 150 MB: ${verdict(first * 2 ** 20 < 150e6)} |`,
    `| minute 2 | ${second.toFixed(0)} MiB | growth ${(growth * 100).toFixed(1)}% (<= ${MAX_GROWTH * 100}%): ${verdict(growth <= MAX_GROWTH && second * 2 ** 20 < 150e6)} |`,
  ].join('\n')
}
