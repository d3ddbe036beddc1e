/**
 * One compact line per request, written when its response is done:
 *
 *   {"level":30,"time":"2026-11-21T10:00:00.000Z","reqId":"...","method":"GET",
 *    "route":"/api/v1/tasks/{taskId}","status":200,"ms":1.2,"userId":7,"msg":"request"}
 *
 * `route` is the spec's path template once the request is routed (`path`, the bare path
 * without its query, when it matched no operation); `userId` only when signed in; `wait`
 * only when the request waited for its turn (http/request-turns.ts). No headers, no query
 * string, no body: pino-http's line with every header cost more than many handlers did
 * (issue 9), and carried whatever secrets the URL held.
 */
import type { IncomingMessage } from 'node:http'
import type { Request, Response } from 'express'
import type { Logger } from 'pino'
import { requestIdOf } from './request-id.js'
import type { RequestWaits } from './request-turns.js'

/** What the layers below learn about a request, for its log line. */
interface Facts {
  /** `performance.now()` when the request started. */
  readonly start: number
  route?: string
  userId?: number
}

/** A property of the request rather than a WeakMap entry: no per-request work for the GC. */
const FACTS = Symbol('requestLogFacts')
type Logged = IncomingMessage & { [FACTS]?: Facts }

/** The spec's path template that `req` was routed to. */
export function noteRoute(req: IncomingMessage, route: string): void {
  const known = (req as Logged)[FACTS]
  if (known) known.route = route
}

/** The signed-in user who sent `req`. */
export function noteUser(req: IncomingMessage, userId: number): void {
  const known = (req as Logged)[FACTS]
  if (known) known.userId = userId
}

/** Paths are the client's to choose; a line stays a line. */
const MAX_PATH_LENGTH = 200

const round = (ms: number) => Math.round(ms * 10) / 10

interface RequestLine {
  reqId: string
  method: string | undefined
  route?: string
  path?: string
  status: number
  ms: number
  userId?: number
  wait?: number
  aborted?: true
}

/** Starts the line of a request; it is written when the response is done. */
export function requestLog(logger: Logger, waits: RequestWaits): (req: Request, res: Response) => void {
  // One listener for every response (a response closes once): no closure made per request.
  function writeLine(this: Response) {
    const req = this.req
    const known = (req as Logged)[FACTS] as Facts
    const line: RequestLine = { reqId: requestIdOf(req), method: req.method, status: this.statusCode, ms: round(performance.now() - known.start) }
    if (known.route !== undefined) line.route = known.route
    else line.path = req.path.slice(0, MAX_PATH_LENGTH)
    if (known.userId !== undefined) line.userId = known.userId
    const waited = waits.waitOf(req)
    if (waited >= 1) line.wait = round(waited)
    if (!this.writableFinished) line.aborted = true
    if (this.statusCode >= 500) logger.error(line, 'request')
    else logger.info(line, 'request')
  }
  return (req, res) => {
    ;(req as Logged)[FACTS] = { start: performance.now() }
    res.on('close', writeLine)
  }
}
