/**
 * The busy clients of `npm run bench:connections`, in a process of their own so that
 * their work never delays the probes the bench times. Each connection is keep-alive and
 * closed-loop: it sends a GET, reads the whole answer, sends the next. Plain sockets and
 * a minimal response reader, because 1,000 fetch() clients would cost more CPU than the
 * server under test.
 *
 * Started with IPC: the parent sends `{ type: 'start', ... }`, then `snapshot` (answered
 * with what was seen since the previous one) and `stop` (the same, then it exits); it
 * hears `{ type: 'ready' }` once every connection is open.
 */
import { connect, type Socket } from 'node:net'

export interface LoadPlan {
  readonly type: 'start'
  readonly port: number
  readonly connections: number
  /** Requests sent in turn on each connection, as full HTTP/1.1 request heads. */
  readonly requests: readonly string[]
  /** Wait as long as a 503's Retry-After says before the next request, as the spec asks. */
  readonly honourRetryAfter: boolean
}

/** What the busy connections saw since the previous snapshot. */
export interface LoadCounts {
  readonly type: 'counts'
  /** Responses by status code. */
  readonly statuses: Record<string, number>
  /** Milliseconds from sending a request to its whole response, by `2xx`, `503` and `other`. */
  readonly latencies: Record<string, number[]>
  /** Connections that got no response at all. */
  readonly unanswered: number
  /** Connections the server closed and that were opened again. */
  readonly reconnects: number
}

const HEAD_END = Buffer.from('\r\n\r\n')

interface Response {
  readonly status: number
  readonly length: number
  readonly retryAfterSeconds: number
}

/** One response in `buffer`, if it is all there: its status, Retry-After and how many bytes it took. */
function completeResponse(buffer: Buffer): Response | undefined {
  const headEnd = buffer.indexOf(HEAD_END)
  if (headEnd < 0) return undefined
  const head = buffer.subarray(0, headEnd).toString('latin1')
  const status = Number(head.slice(9, 12))
  const contentLength = /\r\ncontent-length:\s*(\d+)/i.exec(head)
  const retryAfter = /\r\nretry-after:\s*(\d+)/i.exec(head)
  const length = headEnd + 4 + (contentLength ? Number(contentLength[1]) : 0)
  return buffer.length >= length ? { status, length, retryAfterSeconds: retryAfter ? Number(retryAfter[1]) : 0 } : undefined
}

const kind = (status: number) => (status >= 200 && status < 300 ? '2xx' : status === 503 ? '503' : 'other')

interface Load {
  snapshot(): LoadCounts
  stop(): LoadCounts
}

function run(plan: LoadPlan, onReady: () => void): Load {
  let statuses: Record<string, number> = {}
  let latencies: Record<string, number[]> = { '2xx': [], '503': [], other: [] }
  let answered = new Set<number>()
  let reconnects = 0
  let stopped = false
  let open = 0
  const sockets = new Set<Socket>()

  const openConnection = (index: number, offset: number, reopening: boolean) => {
    let next = offset
    let sentAt = 0
    let pending: Buffer = Buffer.alloc(0)
    const socket = connect(plan.port, '127.0.0.1')
    sockets.add(socket)
    socket.setNoDelay(true)
    const send = () => {
      if (stopped || socket.destroyed) return
      sentAt = performance.now()
      socket.write(plan.requests[next % plan.requests.length] as string)
      next++
    }
    socket.once('connect', () => {
      if (!reopening && ++open === plan.connections) onReady()
      send()
    })
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      for (let response = completeResponse(pending); response; response = completeResponse(pending)) {
        statuses[response.status] = (statuses[response.status] ?? 0) + 1
        latencies[kind(response.status)]?.push(performance.now() - sentAt)
        answered.add(index)
        pending = pending.subarray(response.length)
        if (plan.honourRetryAfter && response.retryAfterSeconds > 0) setTimeout(send, response.retryAfterSeconds * 1000)
        else send()
      }
    })
    socket.on('error', () => undefined)
    socket.on('close', () => {
      sockets.delete(socket)
      if (stopped) return
      reconnects++
      openConnection(index, next, true)
    })
  }

  // In batches, so that opening them does not overflow the server's accept queue.
  let started = 0
  const batch = () => {
    for (let i = 0; i < 50 && started < plan.connections; i++, started++) openConnection(started, started, false)
    if (started < plan.connections) setTimeout(batch, 20)
  }
  batch()

  const snapshot = (): LoadCounts => {
    const counts: LoadCounts = { type: 'counts', statuses, latencies, unanswered: plan.connections - answered.size, reconnects }
    statuses = {}
    latencies = { '2xx': [], '503': [], other: [] }
    answered = new Set()
    reconnects = 0
    return counts
  }
  return {
    snapshot,
    stop() {
      stopped = true
      for (const socket of sockets) socket.destroy()
      return snapshot()
    },
  }
}

let load: Load | undefined
process.on('message', (message: LoadPlan | { type: 'snapshot' | 'stop' }) => {
  if (message.type === 'start') load = run(message, () => process.send?.({ type: 'ready' }))
  if (message.type === 'snapshot' && load) process.send?.(load.snapshot())
  if (message.type === 'stop' && load) process.send?.(load.stop(), () => process.exit(0))
})
