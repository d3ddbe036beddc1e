/**
 * One timed load against one server, driven by autocannon (keep-alive connections, one
 * request in flight on each, as wrk does in the figures).
 *
 * Latencies are taken from autocannon's per-response event rather than its summary: the
 * summary's HDR histogram keeps whole milliseconds, too coarse when a fast server's p99
 * is 3 ms and the target is a ratio of 1.5. Only the expected status counts towards the
 * rate; anything else is reported, since a fast stream of errors is not a result.
 */
import autocannon from 'autocannon'

export interface LoadCase {
  /** How the case is named in the tables, e.g. `GET /api/v1/tasks/{id}`. */
  readonly name: string
  readonly method: 'GET' | 'POST' | 'PATCH'
  /** Requests cycle through these paths in turn (one path: every request the same). */
  readonly paths: readonly string[]
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string
  /** The status every answer should have. */
  readonly status: number
}

export interface Measurement {
  /** Answers with the expected status per second. */
  readonly rate: number
  /** Latency percentiles of those answers, in ms. */
  readonly p50: number
  readonly p99: number
  /** Answers with another status, connection errors and timeouts. */
  readonly failures: number
  /**
   * The server's CPU time per answer, in µs (when its CPU time can be read): what a request
   * costs it, much less moved than the rate by other work on the machine.
   */
  readonly cpuUsPerRequest?: number
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN
}

/** The server under load: where it listens and, where readable, the CPU time it has used (ms). */
export interface LoadTarget {
  readonly port: number
  cpuMs(): number | undefined
}

export async function runLoad(server: LoadTarget, load: LoadCase, seconds: number, connections: number): Promise<Measurement> {
  const port = server.port
  const cpuBefore = server.cpuMs()
  let next = 0
  const paths = load.paths
  const request: autocannon.Request = {
    method: load.method,
    path: paths[0] ?? '/',
    headers: { ...load.headers },
    ...(load.body === undefined ? {} : { body: load.body }),
    // Called for every request only when there is more than one path to visit.
    ...(paths.length > 1 ? { setupRequest: (req: autocannon.Request) => ({ ...req, path: paths[next++ % paths.length] }) } : {}),
  }
  let latencies = new Float64Array(1 << 16)
  let count = 0
  let unexpected = 0
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url: `http://127.0.0.1:${port}`, connections, duration: seconds, requests: [request] },
      (error: unknown, done: autocannon.Result) => (error ? reject(error) : resolve(done)),
    )
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status !== load.status) {
        unexpected++
        return
      }
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2)
        grown.set(latencies)
        latencies = grown
      }
      latencies[count++] = ms
    })
  })
  const sorted = latencies.subarray(0, count).sort()
  const cpuAfter = server.cpuMs()
  const answers = count + unexpected
  return {
    ...(cpuBefore !== undefined && cpuAfter !== undefined && answers > 0 ? { cpuUsPerRequest: ((cpuAfter - cpuBefore) * 1000) / answers } : {}),
    rate: count / result.duration,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    failures: unexpected + result.errors + result.timeouts,
  }
}
