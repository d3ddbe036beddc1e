/**
 * The process: configuration, database, migrations, app, listen; requests to /api/v1 take
 * turns (http/request-turns.ts) so that the loop keeps accepting connections under load,
 * and are shed when they waited too long (http/load-shedding.ts). On SIGTERM or SIGINT it
 * stops accepting connections, drains the open ones (http/shutdown.ts), closes the
 * database and exits 0.
 */
import { createApp } from './app.js'
import { loadConfig } from './config.js'
import { databaseOptions, migrateToLatest, openDatabase, printableDatabaseUrl } from './db/connection.js'
import { createHttpServer } from './http/http-server.js'
import { apiRequestTurns } from './http/load-shedding.js'
import { LoginThrottle } from './http/login-throttle.js'
import { drainable } from './http/shutdown.js'
import { createLogger } from './logger.js'
import { loadSpec } from './service/spec.js'

async function main(): Promise<void> {
  const config = loadConfig()
  const logger = createLogger(config.logLevel, { terminal: process.stdout.isTTY, format: config.logFormat })
  const db = openDatabase(config.databaseUrl, databaseOptions(config))
  await migrateToLatest(db)
  const loginThrottle = new LoginThrottle(config.loginMaxFailures, config.loginWindowSeconds)
  const turns = apiRequestTurns()
  const app = await createApp({ db, config, logger, spec: loadSpec(config.rootDir), loginThrottle, requestWaits: turns })

  const server = createHttpServer(turns.pace(app), config, logger)
  const drainer = drainable(server)
  server.listen(config.port, () => {
    const address = server.address()
    const port = typeof address === 'object' && address ? address.port : config.port
    logger.info({ port, database: printableDatabaseUrl(config.databaseUrl) }, `Achiever is listening on http://localhost:${port}`)
  })

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
  console.error(error)
  process.exit(1)
})
