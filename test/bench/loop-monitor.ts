/**
 * Preloaded into the server process by `npm run bench:connections` (`--import`), so the
 * server itself needs no endpoint for it: measures how long the event loop stalls with
 * `monitorEventLoopDelay` and answers the bench over the IPC channel. `reset` starts a
 * measurement, `report` ends it.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'

export interface LoopReport {
  readonly type: 'loop'
  /** Milliseconds. */
  readonly max: number
  readonly p50: number
  readonly p99: number
  readonly mean: number
}

const histogram = monitorEventLoopDelay({ resolution: 10 })
histogram.enable()

const ms = (ns: number) => Math.round(ns / 1e5) / 10

process.on('message', (message: { type?: string }) => {
  if (message.type === 'loop-reset') histogram.reset()
  if (message.type === 'loop-report') {
    const report: LoopReport = {
      type: 'loop',
      max: ms(histogram.max),
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      mean: ms(histogram.mean),
    }
    process.send?.(report)
  }
})
// The IPC channel must not keep the server alive once it has shut down.
process.channel?.unref()
