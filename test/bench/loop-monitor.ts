/**
 * Preloaded into the server process by `npm run bench:connections` (`--import`), so the
 * server itself needs no endpoint for it: measures how long the event loop stalls with
 * `monitorEventLoopDelay` and answers the bench over the IPC channel. `reset` starts a
 * measurement, `report` ends it.
 *
 * On Linux it also says why each stall over {@link LONG_STALL_MS} happened, from the
 * main thread's /proc schedstat (time on a CPU, time runnable but waiting for one) and
 * the GC entries that overlap it: the loop running JavaScript, the thread waiting for a
 * CPU (the machine is oversubscribed: other processes, the load generator), or the
 * thread asleep in a GC waiting for V8's helper threads (which wait for a CPU too), or
 * asleep otherwise (blocking I/O, a lock).
 */
import { readFileSync } from 'node:fs'
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks'

/** Stalls longer than this are explained in the report. */
const LONG_STALL_MS = 50

export type StallCause = 'running' | 'waiting for a CPU' | 'asleep in GC' | 'asleep, not in GC'

export interface Stall {
  readonly ms: number
  /** On a CPU during the stall. */
  readonly ranMs: number
  /** Runnable but not scheduled. */
  readonly waitingMs: number
  /** Garbage collection overlapping the stall (wall time, whatever the thread did). */
  readonly gcMs: number
  readonly cause: StallCause
}

export interface LoopReport {
  readonly type: 'loop'
  /** Milliseconds. */
  readonly max: number
  readonly p50: number
  readonly p99: number
  readonly mean: number
  /** {@link LONG_STALL_MS}, for the bench, which must not import this module's side effects. */
  readonly longStallMs: number
  /** Stalls over {@link LONG_STALL_MS} by cause (Linux only; empty elsewhere). */
  readonly longStalls: Partial<Record<StallCause, number>>
  readonly longest?: Stall
}

const histogram = monitorEventLoopDelay({ resolution: 10 })
histogram.enable()

const ms = (ns: number) => Math.round(ns / 1e5) / 10

/** [on a CPU, waiting for one] in ms for the main thread; undefined off Linux. */
function schedstat(): [number, number] | undefined {
  try {
    const [ran = 0, waited = 0] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number)
    return [ran / 1e6, waited / 1e6]
  } catch {
    return undefined
  }
}

/** Recent GCs as [start, end] on the performance clock. */
const gcs: Array<[number, number]> = []
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcs.push([entry.startTime, entry.startTime + entry.duration])
  if (gcs.length > 100) gcs.splice(0, gcs.length - 100)
}).observe({ entryTypes: ['gc'] })

const TICK_MS = 5
let longStalls: Partial<Record<StallCause, number>> = {}
let longest: Stall | undefined
let lastTick = performance.now()
let lastSched = schedstat()

interface PendingStall {
  readonly from: number
  readonly to: number
  readonly ranMs: number
  readonly waitingMs: number
}
/** Judged a tick later: a GC's performance entry arrives after the timer that saw the stall. */
let pending: PendingStall[] = []

const round = (v: number) => Math.round(v * 10) / 10

function judge({ from, to, ranMs, waitingMs }: PendingStall): void {
  const stall = to - from - TICK_MS
  const gcMs = gcs.reduce((sum, [start, end]) => sum + Math.max(0, Math.min(end, to) - Math.max(start, from)), 0)
  const asleep = stall - ranMs - waitingMs
  const cause: StallCause =
    asleep > Math.max(ranMs, waitingMs) ? (gcMs > asleep / 2 ? 'asleep in GC' : 'asleep, not in GC') : ranMs > waitingMs ? 'running' : 'waiting for a CPU'
  longStalls[cause] = (longStalls[cause] ?? 0) + 1
  if (!longest || stall > longest.ms) longest = { ms: round(stall), ranMs: round(ranMs), waitingMs: round(waitingMs), gcMs: round(gcMs), cause }
}

setInterval(() => {
  const now = performance.now()
  const sched = schedstat()
  for (const stall of pending) judge(stall)
  pending = []
  if (now - lastTick - TICK_MS > LONG_STALL_MS && sched && lastSched) {
    pending.push({ from: lastTick, to: now, ranMs: sched[0] - lastSched[0], waitingMs: sched[1] - lastSched[1] })
  }
  lastTick = now
  lastSched = sched
}, TICK_MS).unref()

process.on('message', (message: { type?: string }) => {
  if (message.type === 'loop-reset') {
    histogram.reset()
    pending = []
    longStalls = {}
    longest = undefined
  }
  if (message.type === 'loop-report') {
    const report: LoopReport = {
      type: 'loop',
      max: ms(histogram.max),
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      mean: ms(histogram.mean),
      longStallMs: LONG_STALL_MS,
      longStalls,
      ...(longest ? { longest } : {}),
    }
    process.send?.(report)
  }
})
// The IPC channel must not keep the server alive once it has shut down.
process.channel?.unref()
