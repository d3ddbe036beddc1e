/**
 * Load shedding: an `/api/v1` request that waited longer than `LOAD_SHED_LAG_MS` for the
 * event loop to take it up (http/request-turns.ts) is answered 503 SERVICE_UNAVAILABLE
 * with Retry-After at once, instead of joining a queue that only grows: the server is
 * behind, and serving it late would make every request behind it later still. A 503
 * costs a small fraction of a handler, so shedding also shortens the queue.
 *
 * The health checks, the spec and the docs are never shed (nor made to wait): a load
 * balancer must see a busy server as alive and ready.
 */
import type { IncomingMessage } from 'node:http'
import { API_PREFIX } from '../core/uris.js'
import { ServiceUnavailableError } from '../errors.js'
import { RequestTurns, type RequestWaits } from './request-turns.js'

/** A backlog that long is an outage, not load: ask again within a minute. */
const MAX_RETRY_AFTER_SECONDS = 60

/** Whether a request target (`req.url`, query included) is under `/api/v1`. */
function isApiRequest(url: string | undefined): boolean {
  if (url === undefined || !url.startsWith(API_PREFIX)) return false
  const after = url.charAt(API_PREFIX.length)
  return after === '' || after === '/' || after === '?'
}

/** Turns for the requests this shedder judges (those under `/api/v1`); the rest go first. */
export function apiRequestTurns(): RequestTurns {
  return new RequestTurns((req) => isApiRequest(req.url))
}

/** The check, run before routing; it throws the 503, which `problems.ts` renders. */
export function loadShedding(waits: RequestWaits, lagBoundMs: number): (req: IncomingMessage) => void {
  return (req) => {
    const waited = waits.waitOf(req)
    if (waited <= lagBoundMs || !isApiRequest(req.url)) return
    // As long again as it waited is a fair guess at when the backlog is gone.
    const retryAfterSeconds = Math.min(MAX_RETRY_AFTER_SECONDS, waited / 1000)
    throw new ServiceUnavailableError('The server is too busy to take this request now. Retry after the time in Retry-After.', retryAfterSeconds)
  }
}
