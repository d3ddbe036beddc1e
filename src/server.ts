/**
 * The process: V8's heap growth (heap-growth.ts), configuration, database, migrations, app, listen; requests to /api/v1 take
 * turns (http/request-turns.ts) so that the loop keeps accepting connections under load,
 * and are shed when they waited too long (http/load-shedding.ts). On SIGTERM or SIGINT it
 * stops accepting connections, drains the open ones (http/shutdown.ts), closes the
 * database and exits 0. When it cannot start because of a setting, it says so in one line
 * and exits 1 (start-up-failure.ts).
 */
import { createApp } from './app.js'
import { type AppConfig, loadConfig } from './config.js'
import { createRateLimits } from './deps.js'
import { databaseOptions, migrateToLatest, openDatabase } from './db/connection.js'
import { databaseDialect } from './db/dialect-specific.js'
import type { Database } from './db/schema.js'
import { createHttpServer, listen } from './http/http-server.js'
import { apiRequestTurns } from './http/load-shedding.js'
import { drainable } from './http/shutdown.js'
import { limitHeapGrowth } from './heap-growth.js'
import { createLogger } from './logger.js'
import { loadSpec } from './service/spec.js'
import { systemClock } from './timestamps.js'
import { databaseFailure, isDatabaseUnusable, listenFailure, startUpFailureReport, withoutPassword } from './start-up-failure.js'

/**
 * A database that cannot be opened or reached is reported as a DATABASE_URL problem; any
 * other failure (a migration's own mistake) is a bug and keeps its stack.
 */
async function openMigratedDatabase(config: AppConfig): Promise<Database> {
  const options = databaseOptions(config)
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
    return db
  } catch (error) {
    // The failure to report is the first one, not a second from closing what half-opened.
    await db?.destroy().catch(() => undefined)
    throw isDatabaseUnusable(error) ? databaseFailure(config.databaseUrl, error) : error
  }
}

async function main(): Promise<void> {
  limitHeapGrowth()
  const config = loadConfig()
  const logger = createLogger(config.logLevel, { terminal: process.stdout.isTTY, format: config.logFormat })
  const db = await openMigratedDatabase(config)
  const turns = apiRequestTurns()
  const clock = systemClock
  const app = await createApp({ db, config, logger, spec: loadSpec(config.rootDir), ...createRateLimits(db, config, clock), requestWaits: turns, clock })

  const server = createHttpServer(turns.pace(app), config, logger)
  const drainer = drainable(server)
  const port = await listen(server, config.port).catch((error: unknown) => {
    throw listenFailure(config.port, error)
  })
  logger.info({ port, database: withoutPassword(config.databaseUrl) }, `Achiever is listening on http://localhost:${port}`)

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down')
    const { cut } = await drainer.drain(config.shutdownTimeoutSeconds * 1000)
    if (cut > 0) logger.warn({ cut }, `cut ${cut} request(s) still in flight after ${config.shutdownTimeoutSeconds} s`)
    await db.destroy()
    logger.info('stopped')
    process.exit(0)
  }
  process.once('SIGTERM', () => void shutdown('SIGTERM'))
  process.once('SIGINT', () => void shutdown('SIGINT'))
}

main().catch((error: unknown) => {
  console.error(startUpFailureReport(error))
  process.exit(1)
})
