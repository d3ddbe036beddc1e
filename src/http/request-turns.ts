/**
 * Keeps each turn of the event loop short, so the server keeps accepting connections
 * under load.
 *
 * Why: since libuv 1.45 (Node 20) a listening socket accepts ONE connection per turn of
 * the event loop (libuv pull request 3696). Node starts every request that a turn reads,
 * so with 1,000 busy keep-alive connections a turn ran 200-600 ms of handlers, the server
 * accepted 2-5 connections a second, and a new client sat in a full accept queue for
 * minutes (`npm run bench:connections`: every new connection timed out after 60 s).
 *
 * How: requests are started at once while the current turn has run less than
 * {@link TURN_SLICE_MS} of them; after that they wait in a FIFO and are started in order
 * in batches, one batch a turn (a `setImmediate`, so the first runs in the check phase of
 * the turn that filled its slice), each as many as fit in one slice, so between two
 * batches the loop turns, accepts a connection and reads what has arrived. What fits is
 * measured: the time from one batch's start to the next, over the requests it started,
 * is what a request costs (the first batch after a quiet spell starts one, and a batch
 * starts at most twice as many as the one before, and stops when its slice is spent). Starting one
 * waiting request per turn, as this did before, kept turns shortest but cost a whole
 * turn of the loop per request: under a steady load two requests in three waited, and
 * batches cut a GET's CPU by about 15% (issue 10). But while connections are arriving
 * (the server accepted one since the last batch: {@link RequestTurns.watch}), a turn
 * starts one waiting request only: each turn accepts one connection, and with batches
 * of 10 ms a burst of 1,000 connections took 10 s to be accepted, a new client's first
 * answer waiting behind it (`npm run bench:connections`). How long each request waited is kept
 * for the load shedder (http/load-shedding.ts), which answers 503 to those that waited
 * too long.
 *
 * Only the requests `paced` picks wait: the health checks and the docs go first.
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http'

/**
 * How long one turn of the loop may run requests before the rest wait for later turns.
 * Shorter slices keep fewer requests in flight at once, so fewer of their objects are
 * still alive (and copied, then promoted) when the young generation is collected:
 * `npm run bench:compare` of GET, slices of 10, 5, 3, 2 and 1 ms side by side, gave
 * 240, 212, 194, 201 and 204 µs of CPU per request.
 */
export const TURN_SLICE_MS = 3

/** How long a request waited for its turn: what the load shedder judges. */
export interface RequestWaits {
  /** Milliseconds `req` waited before it was started; 0 if it never waited. */
  waitOf(req: IncomingMessage): number
}

interface Waiting {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly listener: RequestListener
  readonly since: number
}

export class RequestTurns implements RequestWaits {
  /** FIFO: entries before `head` have been started. */
  private readonly waiting: Array<Waiting | undefined> = []
  private head = 0
  /** When the current turn started its first request; undefined between turns. */
  private turnStart: number | undefined
  /** When the last batch of waiting requests started, and how many it started. */
  private batchStart = 0
  private batchStarted = 0
  private acceptedSinceBatch = false
  private readonly waits = new WeakMap<IncomingMessage, number>()

  /** `now`: the clock slices are measured by, in ms; tests give their own. */
  constructor(
    private readonly paced: (req: IncomingMessage) => boolean,
    private readonly sliceMs = TURN_SLICE_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  waitOf(req: IncomingMessage): number {
    return this.waits.get(req) ?? 0
  }

  /** Requests waiting for a turn. */
  get backlog(): number {
    return this.waiting.length - this.head
  }

  /** `listener`, behind the turns: what node:http should call for each request. */
  pace(listener: RequestListener): RequestListener {
    return (req, res) => {
      if (!this.paced(req) || (this.backlog === 0 && this.withinSlice(this.now()))) {
        listener(req, res)
        return
      }
      // The first to wait schedules the batches; they go on until none is left waiting.
      if (this.backlog === 0) setImmediate(this.startNext)
      this.waiting.push({ req, res, listener, since: this.now() })
    }
  }

  private withinSlice(now: number): boolean {
    if (this.turnStart === undefined) {
      this.turnStart = now
      // Runs in this turn's check phase, after every request the turn has read.
      setImmediate(this.endTurn)
    }
    return now - this.turnStart < this.sliceMs
  }

  private readonly endTurn = (): void => {
    this.turnStart = undefined
  }

  /** Tells the turns when `server` accepts a connection: while connections arrive, turns stay short. */
  watch(server: Server): void {
    server.on('connection', this.accepted)
  }

  private readonly accepted = (): void => {
    this.acceptedSinceBatch = true
  }

  /**
   * How many waiting requests fit in this turn's slice, by what each of the last batch
   * cost; at most twice as many as the last batch started, so that a run of cheap
   * requests (503s, say) does not size a batch of expensive ones.
   */
  private batchSizeAt(now: number): number {
    if (this.batchStarted === 0 || this.acceptedSinceBatch) return 1
    const perRequest = (now - this.batchStart) / this.batchStarted
    return Math.max(1, Math.min(2 * this.batchStarted, Math.floor(this.sliceMs / perRequest)))
  }

  /** Starts the requests that have waited longest, as many as fit in a slice, then yields the rest of the loop's turn. */
  private readonly startNext = (): void => {
    const batchStart = this.now()
    const size = this.batchSizeAt(batchStart)
    let started = 0
    let now = batchStart
    // The clock is checked too: what a request does before its first await runs here.
    while (started < size && this.backlog > 0 && (started === 0 || now - batchStart < this.sliceMs)) {
      const next = this.waiting[this.head] as Waiting
      this.waiting[this.head++] = undefined
      // A client that hung up while waiting is owed nothing.
      if (next.req.socket.destroyed) continue
      this.waits.set(next.req, now - next.since)
      next.listener(next.req, next.res)
      started++
      now = this.now()
    }
    this.batchStart = batchStart
    this.batchStarted = started
    this.acceptedSinceBatch = false
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head)
      this.head = 0
    }
    if (this.backlog > 0) {
      setImmediate(this.startNext)
    } else {
      this.waiting.length = 0
      this.head = 0
      this.batchStarted = 0
    }
  }
}
