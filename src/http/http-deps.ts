/**
 * HttpDeps: what the HTTP layer runs on on top of AppDeps, the per-user request limit
 * and the request waits the load shedder reads. Handlers never use either, so they are
 * named here, and deps.ts (which every feature imports) names nothing of http/.
 */
import type { AppDeps } from '../deps.js'
import type { RequestLimit } from './request-limit.js'
import type { RequestWaits } from './request-turns.js'

/** AppDeps and the HTTP layer's own. Built once by createDeps (create-deps.ts) and passed to createApp. */
export interface HttpDeps extends AppDeps {
  /** The per-user request limit, when `RATE_LIMIT_REQUESTS` turns it on. */
  readonly requestLimit: RequestLimit | undefined
  /** How long each request waited for the event loop: the load shedder's measure (http/request-turns.ts). */
  readonly requestWaits: RequestWaits
}
