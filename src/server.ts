/**
 * The process: configuration, database, migrations, app, listen. On SIGTERM or SIGINT it
 * stops accepting connections, lets requests in flight finish, then closes the database.
 */
import { createServer } from 'node:http'
import { createApp } from './app.js'
import { loadConfig } from './config.js'
import { migrateToLatest, openDatabase } from './db/connection.js'
import { answerClientErrors } from './http/client-errors.js'
import { LoginThrottle } from './http/login-throttle.js'
import { createLogger } from './logger.js'
import { loadSpec } from './service/spec.js'

async function main(): Promise<void> {
  const config = loadConfig()
  const logger = createLogger(config.logLevel)
  const db = openDatabase(config.databaseUrl)
  await migrateToLatest(db)
  const loginThrottle = new LoginThrottle(config.loginMaxFailures, config.loginWindowSeconds)
  const app = await createApp({ db, config, logger, spec: loadSpec(config.rootDir), loginThrottle })

  const server = createServer(app)
  answerClientErrors(server, logger)
  server.listen(config.port, () => {
    const address = server.address()
    const port = typeof address === 'object' && address ? address.port : config.port
    logger.info({ port, database: config.databaseUrl }, `Achiever is listening on http://localhost:${port}`)
  })

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down')
    server.close(() => {
      void db.destroy().then(() => process.exit(0))
    })
    server.closeIdleConnections()
    setTimeout(() => process.exit(1), 10_000).unref()
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  process.once('SIGINT', () => shutdown('SIGINT'))
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
