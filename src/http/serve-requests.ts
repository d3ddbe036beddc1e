/**
 * The one Express middleware every request goes through (http/express-listener.ts calls
 * it, no router in front), its steps in order: security headers, a request id, the log
 * line, `Vary`, CORS, load shedding, then the API (http/api.ts). One straight function
 * rather than a middleware per step: every step runs on every request, and chaining
 * them as middlewares cost a router turn each.
 */
import type { RequestHandler } from 'express'
import type { Api } from './api.js'
import { corsHeaders } from './cors.js'
import type { HttpDeps } from './http-deps.js'
import { loadShedding } from './load-shedding.js'
import type { PlainRequest } from './openapi-backend/plain-request.js'
import { assignRequestId } from './request-id.js'
import { requestLog } from './request-log.js'
import { securityHeaders } from './security-headers.js'

/** Whether `path` is under `/api`, as `app.use('/api', ...)` would match it. */
function isUnderApi(path: string): boolean {
  return path.startsWith('/api') && (path.length === 4 || path.charCodeAt(4) === 47)
}

export function serveRequests(deps: HttpDeps, api: Api): RequestHandler {
  const setSecurityHeaders = securityHeaders(deps)
  const startLogLine = requestLog(deps.logger, deps.requestWaits)
  const setCorsHeaders = corsHeaders(new Set(deps.config.corsOrigins), api)
  const shedIfBehind = loadShedding(deps.requestWaits, deps.config.loadShedLagMs)

  return async (req, res, next) => {
    try {
      const pending = setSecurityHeaders(req, res)
      if (pending) await pending
      assignRequestId(req, res)
      startLogLine(req, res)
      const path = req.path
      // Who asks decides every API answer, errors included (a 404 for someone else's task,
      // a 401, a 429): a shared cache must never hand one caller's answer to another.
      // The first `Vary` of the response (CORS appends `Origin`): set, not parsed and appended.
      if (isUnderApi(path)) res.setHeader('Vary', 'Authorization')
      // CORS first, so that a browser can read the 503's Retry-After.
      const cors = setCorsHeaders(req, res)
      if (cors) await cors
      shedIfBehind(req)

      const request: PlainRequest = {
        // HEAD is routed, validated and answered as GET; Node then leaves out the body.
        method: req.method === 'HEAD' ? 'GET' : req.method,
        path,
        query: req.query as Record<string, unknown>,
      }
      await api.handle({ request, req, res })
    } catch (error) {
      next(error)
    }
  }
}
