/**
 * createApp(deps): the Express app. It never listens and never reads the environment,
 * so tests run it in-process on any database and configuration.
 */
import express, { type Express } from 'express'
import { handlers } from './handlers.js'
import { createApi } from './http/api.js'
import type { HttpDeps } from './http/http-deps.js'
import { problemErrorHandler } from './http/problems.js'
import { serveRequests } from './http/serve-requests.js'

export async function createApp(deps: HttpDeps): Promise<Express> {
  const api = await createApi(deps, handlers)
  const app = express()
  app.disable('x-powered-by')
  app.disable('etag')
  app.set('trust proxy', deps.config.trustProxy)
  app.use(serveRequests(deps, api))
  app.use(problemErrorHandler(deps.logger, api.serializeProblem))
  return app
}
