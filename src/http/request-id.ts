/**
 * Every response carries an `X-Request-Id`: the client's own when it sent a sane one (so
 * a request can be followed across services), a fresh UUID otherwise. Log lines about a
 * request carry the same id, so a user quoting it finds them.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** A property of the request rather than a WeakMap entry: no per-request work for the GC. */
const REQUEST_ID = Symbol('requestId')
type Named = IncomingMessage & { [REQUEST_ID]?: string }

/** The id given to `req` by {@link assignRequestId}; `unknown` before that. */
export function requestIdOf(req: IncomingMessage): string {
  return (req as Named)[REQUEST_ID] ?? 'unknown'
}

/** Names the request and echoes the name in the response; the first step of every request. */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): void {
  const given = req.headers['x-request-id']
  const id = typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID()
  ;(req as Named)[REQUEST_ID] = id
  res.setHeader('X-Request-Id', id)
}
