/**
 * One timed load against one server, or spread over several replicas, driven by
 * autocannon (keep-alive connections, one request in flight on each, as wrk does in the
 * issue's figures).
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

/** What one timed load saw, before it is summed up as a {@link Measurement}. */
export interface LoadOutcome {
  readonly measurement: Measurement
  /** Every answer, expected or not: what CPU time is divided by. */
  readonly answers: number
  /** The servers' CPU time over the load, in ms, where it could be read. */
  readonly serverCpuMs?: number
}

/** One server under load: the answers with the expected status (their latencies) and the rest. */
interface Driven {
  readonly latencies: Float64Array
  readonly unexpected: number
  readonly result: autocannon.Result
}

function drive(port: number, load: LoadCase, seconds: number, connections: number): Promise<Driven> {
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
  return new Promise<Driven>((resolve, reject) => {
    const instance = autocannon(
      { url: `http://127.0.0.1:${port}`, connections, duration: seconds, requests: [request] },
      (error: unknown, result: autocannon.Result) => (error ? reject(error) : resolve({ latencies: latencies.subarray(0, count), unexpected, result })),
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
}

/** `connections` dealt out as evenly as they go: 33 over 2 servers is 17 and 16. */
function share(connections: number, servers: number, index: number): number {
  return Math.floor(connections / servers) + (index < connections % servers ? 1 : 0)
}

/**
 * One timed load spread evenly over several servers (replicas of one service): the
 * connections are split between them, each share driven by its own autocannon instance
 * in this process, all at once. Rates add up; latencies are pooled; CPU time is summed.
 */
export async function runSpreadLoad(servers: readonly LoadTarget[], load: LoadCase, seconds: number, connections: number): Promise<LoadOutcome> {
  const cpuBefore = servers.map((server) => server.cpuMs())
  const driven = await Promise.all(servers.map((server, i) => drive(server.port, load, seconds, share(connections, servers.length, i))))
  const cpuAfter = servers.map((server) => server.cpuMs())
  const count = driven.reduce((sum, d) => sum + d.latencies.length, 0)
  const pooled = new Float64Array(count)
  let at = 0
  for (const d of driven) {
    pooled.set(d.latencies, at)
    at += d.latencies.length
  }
  const sorted = pooled.sort()
  const unexpected = driven.reduce((sum, d) => sum + d.unexpected, 0)
  const answers = count + unexpected
  const cpuUsed =
    cpuBefore.every((ms) => ms !== undefined) && cpuAfter.every((ms) => ms !== undefined)
      ? cpuAfter.reduce((sum: number, ms, i) => sum + (ms ?? 0) - (cpuBefore[i] ?? 0), 0)
      : undefined
  return {
    answers,
    ...(cpuUsed === undefined ? {} : { serverCpuMs: cpuUsed }),
    measurement: {
      ...(cpuUsed !== undefined && answers > 0 ? { cpuUsPerRequest: (cpuUsed * 1000) / answers } : {}),
      rate: driven.reduce((sum, d) => sum + d.latencies.length / d.result.duration, 0),
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      failures: unexpected + driven.reduce((sum, d) => sum + d.result.errors + d.result.timeouts, 0),
    },
  }
}

export async function runLoad(server: LoadTarget, load: LoadCase, seconds: number, connections: number): Promise<Measurement> {
  return (await runSpreadLoad([server], load, seconds, connections)).measurement
}
