import type { Logger } from 'pino'
import type { AppConfig } from './config.js'
import type { Database } from './db/schema.js'
import { LoginThrottle } from './auth/login-throttle.js'
import { RequestLimit } from './http/request-limit.js'
import type { RequestWaits } from './http/request-turns.js'
import { RateLimitStore } from './rate-limits/rate-limit-store.js'
import type { ApiSpec } from './service/spec.js'
import { type Clock, systemClock } from './timestamps.js'

/** What every handler may use. Built once by `server.ts` (or a test) and passed down. */
export interface AppDeps {
  readonly db: Database
  readonly config: AppConfig
  readonly spec: ApiSpec
  readonly logger: Logger
  /** Failed password checks, per username and address: Basic logins and registration retries share it. */
  readonly loginThrottle: LoginThrottle
  /** The per-user request limit, when `RATE_LIMIT_REQUESTS` turns it on. */
  readonly requestLimit: RequestLimit | undefined
  /** How long each request waited for the event loop: the load shedder's measure (http/request-turns.ts). */
  readonly requestWaits: RequestWaits
  /** The one clock request-serving code reads (stored timestamps, token expiry, rate-limit windows): a test's own in tests. */
  readonly clock: Clock
}

/**
 * The login throttle and the request limit, counting in `db` so that every replica on it
 * shares their counts; `clock` is what their windows start and end by. The one place
 * they are built, for `server.ts` and the tests alike.
 */
export function createRateLimits(db: Database, config: AppConfig, clock: Clock = systemClock): Pick<AppDeps, 'loginThrottle' | 'requestLimit'> {
  const counters = new RateLimitStore(db, { clock })
  return {
    loginThrottle: new LoginThrottle(counters, config.loginMaxFailures, config.loginWindowSeconds),
    requestLimit: config.rateLimitRequests > 0 ? new RequestLimit(counters, config.rateLimitRequests, config.rateLimitWindowSeconds) : undefined,
  }
}
