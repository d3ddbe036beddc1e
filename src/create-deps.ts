/**
 * createDeps, the one place AppDeps (and the HTTP layer's HttpDeps around them) are
 * built: for `server.ts` and for the test server alike, so that what the tests run is
 * what the service runs. Only what a test must control differs, and it comes in as an
 * option. Composition: it imports every module
 * it assembles, and only the top (server.ts, the test server) imports it.
 */
import { sql } from 'kysely'
import { LoginThrottle } from './auth/login-throttle.js'
import { type AppConfig, databaseDialect } from './config.js'
import { databaseOptions, migrateToLatest, openDatabase } from './db/connection.js'
import type { Database } from './db/schema.js'
import type { HttpDeps } from './http/http-deps.js'
import { RequestLimit } from './http/request-limit.js'
import type { RequestWaits } from './http/request-turns.js'
import { createLogger, type LoggerDestination } from './logger.js'
import { RateLimitStore } from './rate-limits/rate-limit-store.js'
import { type ApiSpec, loadSpec } from './spec/spec.js'
import { databaseFailure, isDatabaseUnusable } from './start-up-failure.js'
import { type Clock, systemClock } from './timestamps.js'

/** What {@link createDeps} takes besides the configuration. */
export interface DepsOptions {
  /**
   * What the load shedder reads: the request turns the HTTP server paces requests with
   * (http/load-shedding.ts), or a test's stand-in that sets the server's state.
   */
  readonly requestWaits: RequestWaits
  /** Where log lines go: stdout by default (pretty-printed when it is a terminal); a test keeps them. */
  readonly log?: LoggerDestination
  /** Called with the SQL of every query the service runs: how tests count what a request costs. */
  readonly onQuery?: (sql: string) => void
  /** The spec, when the caller has it loaded already (a test process loads it once for all its servers). */
  readonly spec?: ApiSpec
  /** The system's clock by default; a test's own (test/support/manual-clock.ts) moves only when told. */
  readonly clock?: Clock
}

/**
 * Everything a server runs on, from its configuration: the logger, the database (opened
 * and migrated), the spec, the rate limits and the clock. A database that cannot be
 * opened or reached fails as a DATABASE_URL problem (start-up-failure.ts).
 */
export async function createDeps(config: AppConfig, options: DepsOptions): Promise<HttpDeps> {
  const logger = createLogger(config.logLevel, { format: config.logFormat, ...options.log })
  const db = await openMigratedDatabase(config, options.onQuery)
  const clock = options.clock ?? systemClock
  return {
    db,
    config,
    logger,
    spec: options.spec ?? loadSpec(config.rootDir),
    ...createRateLimits(db, config, clock),
    requestWaits: options.requestWaits,
    clock,
  }
}

/**
 * The login throttle and the request limit, counting in `db` so that every replica on it
 * shares their counts; `clock` is what their windows start and end by.
 */
function createRateLimits(db: Database, config: AppConfig, clock: Clock): Pick<HttpDeps, 'loginThrottle' | 'requestLimit'> {
  const counters = new RateLimitStore(db, { clock })
  return {
    loginThrottle: new LoginThrottle(counters, config.loginMaxFailures, config.loginWindowSeconds),
    requestLimit: config.rateLimitRequests > 0 ? new RequestLimit(counters, config.rateLimitRequests, config.rateLimitWindowSeconds) : undefined,
  }
}

/**
 * A database that cannot be opened or reached is reported as a DATABASE_URL problem; any
 * other failure (a migration's own mistake) is a bug and keeps its stack.
 */
async function openMigratedDatabase(config: AppConfig, onQuery: ((sql: string) => void) | undefined): Promise<Database> {
  const options = { ...databaseOptions(config), ...(onQuery ? { onQuery } : {}) }
  let db: Database | undefined
  try {
    if (databaseDialect(config.databaseUrl) === 'sqlite') {
      // One connection, migrated and then served: `:memory:` is a new, empty database on every open.
      db = openDatabase(config.databaseUrl, options)
      await migrateToLatest(db)
      return db
    }
    // PostgreSQL: migrating may wait for another replica's migrations (Kysely's lock) and may
    // run long: on a connection of its own, not under the statement timeout that guards requests.
    db = openDatabase(config.databaseUrl, { ...options, pool: { ...options.pool, size: 1, statementTimeoutMs: 0 } })
    await migrateToLatest(db)
    await db.destroy()
    db = openDatabase(config.databaseUrl, options)
    // The serving pool is tried now: a setting it alone has (its statement timeout) fails at
    // start-up, not on the first request. Kysely also sets a database up on its first query
    // only, and destroying one never used does nothing (a later query would set it up anew).
    await sql`select 1`.execute(db)
    return db
  } catch (error) {
    // The failure to report is the first one, not a second from closing what half-opened.
    await db?.destroy().catch(() => undefined)
    throw isDatabaseUnusable(error) ? databaseFailure(config.databaseUrl, error) : error
  }
}
