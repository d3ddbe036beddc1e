/**
 * Target 7: the service's resident size after a minute of mixed load, and whether it
 * grows from that minute to the next. The load cycles through every side-by-side case
 * (reads, JSON and form creates and updates) and a list page, a few seconds each, for
 * two minutes (BENCH_MEMORY_SECONDS per minute).
 *
 * The resident size is read from /proc every SAMPLE_MS (at best: the load generator
 * shares this process's event loop, so a reading can come late and a short peak slip
 * between two) as well as at the end of each minute: a single reading lands anywhere in the old generation's cycle between two full
 * collections (runs of the same commit read 133 to 144 MiB), so "stays under" is judged
 * on the highest reading of the minute, and growth on the highest of one minute against
 * the highest of the next.
 */
import { verdict } from './format.js'
import { type LoadCase, runLoad } from './load.js'
import type { RunningServer } from './servers.js'

/** Growth from the first minute to the second that still reads as "not growing". */
const MAX_GROWTH = 0.05

/** Issue 10, target 7: under 150 MB (not MiB). */
const LIMIT_BYTES = 150e6

/** Each case runs this long before the next takes over. */
const SLICE_SECONDS = 5

/** How often the resident size is read during the load. */
const SAMPLE_MS = 250

export interface MinuteFigures {
  /** Resident size at the end of the minute, in MiB. */
  readonly endMiB: number
  /** Highest resident size read during the minute, in MiB. */
  readonly peakMiB: number
}

export interface MemoryFigures {
  readonly secondsPerMinute: number
  readonly minutes: readonly MinuteFigures[]
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

/** Runs `work` while reading the server's resident size: the highest reading and the last (once `work` is done), in MiB. */
async function readingsDuring(server: RunningServer, work: () => Promise<void>): Promise<MinuteFigures> {
  let peakMiB = Number.NaN
  let endMiB = Number.NaN
  const read = () => {
    const rss = server.rssMiB()
    endMiB = rss ?? Number.NaN
    // The first reading replaces the NaN; a failed one (the process gone) is no peak.
    if (rss !== undefined && !(rss <= peakMiB)) peakMiB = rss
  }
  const sampler = setInterval(read, SAMPLE_MS)
  try {
    await work()
  } finally {
    clearInterval(sampler)
  }
  read()
  return { endMiB, peakMiB }
}

/** Two "minutes" of mixed load on `server`, which should be fresh: target 7 reads a service after its first minute. */
export async function measureMemory(server: RunningServer, cases: readonly LoadCase[], secondsPerMinute: number, connections: number): Promise<MemoryFigures> {
  const minutes: MinuteFigures[] = []
  for (let minute = 0; minute < 2; minute++) {
    minutes.push(await readingsDuring(server, () => mixedLoad(server, cases, secondsPerMinute, connections)))
  }
  return { secondsPerMinute, minutes }
}

const underLimit = (mib: number) => mib * 2 ** 20 < LIMIT_BYTES

export function memoryTable({ secondsPerMinute, minutes }: MemoryFigures): string {
  const [first, second] = minutes
  const peak1 = first?.peakMiB ?? Number.NaN
  const peak2 = second?.peakMiB ?? Number.NaN
  const growth = (peak2 - peak1) / peak1
  const mib = (value: number | undefined) => `${(value ?? Number.NaN).toFixed(0)} MiB`
  return [
    `A service started for this section alone, under mixed load (every request case and a list page in ${SLICE_SECONDS} s turns), ` +
      `${secondsPerMinute} s per "minute"; its resident size read every ${SAMPLE_MS} ms. 150 MB is ${(LIMIT_BYTES / 2 ** 20).toFixed(2)} MiB.`,
    '',
    '| minute | highest resident size | at the end | target |',
    '| --- | --- | --- | --- |',
    `| 1 | ${mib(peak1)} | ${mib(first?.endMiB)} | highest < 150 MB: ${verdict(underLimit(peak1))} |`,
    `| 2 | ${mib(peak2)} | ${mib(second?.endMiB)} | highest < 150 MB and growth ${(growth * 100).toFixed(1)}% (<= ${MAX_GROWTH * 100}%): ${verdict(growth <= MAX_GROWTH && underLimit(peak2))} |`,
  ].join('\n')
}
