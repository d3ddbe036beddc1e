/**
 * AppDeps, what every handler may use: types only, so that any module may name it without
 * importing what builds it (create-deps.ts, at the top, with server.ts and app.ts). What
 * only the HTTP layer runs on (the request limit, the request waits) is HttpDeps, in
 * http/http-deps.ts: this file imports nothing that imports it back.
 */
import type { Logger } from 'pino'
import type { LoginThrottle } from './auth/login-throttle.js'
import type { AppConfig } from './config.js'
import type { Database } from './db/schema.js'
import type { ApiSpec } from './spec/spec.js'
import type { Clock } from './timestamps.js'

/** What every handler may use. Built once by createDeps (create-deps.ts) and passed down. */
export interface AppDeps {
  readonly db: Database
  readonly config: AppConfig
  readonly spec: ApiSpec
  readonly logger: Logger
  /** Failed password checks, per username and address: Basic logins and registration retries share it. */
  readonly loginThrottle: LoginThrottle
  /** The one clock request-serving code reads (stored timestamps, token expiry, rate-limit windows): a test's own in tests. */
  readonly clock: Clock
}
