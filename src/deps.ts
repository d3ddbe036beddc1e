import type { Logger } from 'pino'
import type { AppConfig } from './config.js'
import type { Database } from './db/schema.js'
import type { LoginThrottle } from './http/login-throttle.js'
import type { RequestWaits } from './http/request-turns.js'
import type { ApiSpec } from './service/spec.js'

/** What every handler may use. Built once by `server.ts` (or a test) and passed down. */
export interface AppDeps {
  readonly db: Database
  readonly config: AppConfig
  readonly spec: ApiSpec
  readonly logger: Logger
  /** Failed password checks, per username and address: Basic logins and registration retries share it. */
  readonly loginThrottle: LoginThrottle
  /** How long each request waited for the event loop: the load shedder's measure (http/request-turns.ts). */
  readonly requestWaits: RequestWaits
}
