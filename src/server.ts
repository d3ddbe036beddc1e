/**
 * The process: V8's heap growth (heap-growth.ts), configuration, dependencies (create-deps.ts: logger,
 * database and migrations, spec, rate limits, clock), app, listen; requests to /api/v1 take
 * turns (http/request-turns.ts) so that the loop keeps accepting connections under load,
 * and are shed when they waited too long (http/load-shedding.ts). On SIGTERM or SIGINT it
 * stops accepting connections, drains the open ones (http/shutdown.ts), closes the
 * database and exits 0. When it cannot start because of a setting, it says so in one line
 * and exits 1 (start-up-failure.ts).
 */
import { createApp } from './app.js'
import { loadConfig } from './config.js'
import { createDeps } from './create-deps.js'
import { limitHeapGrowth } from './heap-growth.js'
import { createHttpServer, listen } from './http/http-server.js'
import { apiRequestTurns } from './http/load-shedding.js'
import { drainable } from './http/shutdown.js'
import { listenFailure, startUpFailureReport, withoutPassword } from './start-up-failure.js'

async function main(): Promise<void> {
  limitHeapGrowth()
  const config = loadConfig()
  const turns = apiRequestTurns()
  const deps = await createDeps(config, { requestWaits: turns, log: { terminal: process.stdout.isTTY } })
  const { db, logger } = deps
  const app = await createApp(deps)

  const server = createHttpServer(app, turns, config, logger)
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
