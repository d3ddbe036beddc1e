/**
 * createApp(deps): the service's request listener, built on an Express app (its settings,
 * and its request and response) with one middleware for every request and one error
 * handler, and the request and response classes its server builds from
 * (http/express-listener.ts). It never listens and never reads the environment,
 * so tests run it in-process on any database and configuration.
 */
import express from 'express'
import { handlers } from './handlers.js'
import { createApi } from './http/api.js'
import { type ExpressListener, expressListener } from './http/express-listener.js'
import type { HttpDeps } from './http/http-deps.js'
import { problemErrorHandler } from './http/problems.js'
import { serveRequests } from './http/serve-requests.js'

export async function createApp(deps: HttpDeps): Promise<ExpressListener> {
  const api = await createApi(deps, handlers)
  const app = express()
  app.disable('x-powered-by')
  app.disable('etag')
  app.set('trust proxy', deps.config.trustProxy)
  return expressListener(app, serveRequests(deps, api), problemErrorHandler(deps.logger, api.serializeProblem), deps.logger)
}
