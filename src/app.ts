/**
 * createApp(deps): the Express app. It never listens and never reads the environment,
 * so tests run it in-process on any database and configuration.
 */
import express, { type Express } from 'express'
import type { AppDeps } from './deps.js'
import { NotFoundError } from './errors.js'
import { createApi } from './http/api.js'
import { corsMiddleware } from './http/cors.js'
import type { PlainRequest } from './http/exchange.js'
import { handlers } from './http/handlers.js'
import { loadShedding } from './http/load-shedding.js'
import { problemErrorHandler } from './http/problems.js'
import { assignRequestId } from './http/request-id.js'
import { requestLog } from './http/request-log.js'
import { securityHeaders } from './http/security-headers.js'

export async function createApp(deps: AppDeps): Promise<Express> {
  const api = await createApi(deps, handlers)
  const app = express()
  app.disable('x-powered-by')
  app.disable('etag')
  app.set('trust proxy', deps.config.trustProxy)
  app.use(securityHeaders(deps))

  app.use(assignRequestId())
  app.use(requestLog(deps.logger, deps.requestWaits))
  // Who asks decides every API answer, errors included (a 404 for someone else's task, a
  // 401, a 429): a shared cache must never hand one caller's answer to another.
  app.use('/api', (_req, res, next) => {
    res.vary('Authorization')
    next()
  })

  // CORS first, so that a browser can read the 503's Retry-After.
  app.use(corsMiddleware(new Set(deps.config.corsOrigins), api))
  app.use(loadShedding(deps.requestWaits, deps.config.loadShedLagMs))

  app.use(async (req, res, next) => {
    if (req.method === 'OPTIONS') {
      const allowed = api.allowedMethods(req.path)
      if (allowed.length === 0) {
        next(new NotFoundError('There is no such route. The API reference is at /docs.'))
        return
      }
      res.set('Allow', allowed.join(', ')).status(204).end()
      return
    }
    const request: PlainRequest = {
      // HEAD is routed, validated and answered as GET; Express then leaves out the body.
      method: req.method === 'HEAD' ? 'GET' : req.method,
      path: req.path,
      query: req.query as Record<string, unknown>,
      headers: req.headers,
      body: undefined,
    }
    try {
      await api.handle({ request, req, res })
    } catch (error) {
      next(error)
    }
  })

  app.use(problemErrorHandler(deps.logger))
  return app
}
