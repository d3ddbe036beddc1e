/**
 * The request listener: Express's request and response for every request, without
 * Express's router in front of the one middleware.
 *
 * Why: every request goes to one middleware (http/serve-requests.ts) and the route table
 * (http/route-table.ts) routes it, so Express's router only matched a single layer, at
 * about 20 µs of CPU and 10 KB of garbage per request (router.handle, next, its restore
 * closures, finalhandler): a tenth of a GET's cost, the largest single item of the
 * profile once the service's own layers were trimmed (issue 10).
 *
 * What stays Express's: the app's settings and its request and response prototypes
 * (`req.ip` under `trust proxy`, `req.query`, `req.accepts`, `res.send`, ...). This does
 * what `app.handle` does before it hands over to its router (links `req` and `res` and
 * gives them the app's prototypes; `X-Powered-By` is off in this app), then runs the
 * middleware, with what it passes to `next`, throws or rejects with going to the error
 * handler, as the router would have done; when the error handler itself fails, the
 * failure is logged and the connection closed, where finalhandler would have printed it.
 *
 * Not set, although Express's types say they are: the response's `locals` (app.handle's)
 * and the request's `originalUrl`, `baseUrl`, `params` and `next` (the router's). Nothing here
 * reads them, and adding them to every request and response cost about a tenth of a
 * GET's CPU (bench:compare, 198 against 222 µs). test/http/express-listener.test.ts holds
 * the request and response to what `app.handle` gives a middleware, and fails if code
 * in src/ starts reading any of them.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import type { ErrorRequestHandler, Express, NextFunction, Request, RequestHandler, Response } from 'express'
import type { Logger } from 'pino'
import { noSuchRoute } from '../errors.js'
import { requestIdOf } from './request-id.js'

export function expressListener(app: Express, middleware: RequestHandler, onError: ErrorRequestHandler, logger: Logger): RequestListener {
  const requestPrototype = app.request
  const responsePrototype = app.response

  /** A response the error handler itself failed to write: said in the log, and the connection closed. */
  function abandon(req: Request, res: Response, failure: unknown): void {
    logger.error({ err: failure, reqId: requestIdOf(req) }, 'the error handler failed; connection closed')
    res.destroy()
  }

  return (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const req = incoming as Request
    const res = outgoing as Response
    req.res = res
    res.req = req
    Object.setPrototypeOf(req, requestPrototype)
    Object.setPrototypeOf(res, responsePrototype)
    const next: NextFunction = (error?: unknown) => {
      // The middleware answers every request; falling through would be Express's 404.
      const reason = error ?? noSuchRoute()
      try {
        onError(reason, req, res, (unhandled?: unknown) => abandon(req, res, unhandled ?? reason))
      } catch (failure) {
        abandon(req, res, failure)
      }
    }
    try {
      const running: unknown = middleware(req, res, next)
      if (running instanceof Promise) running.catch(next)
    } catch (error) {
      next(error)
    }
  }
}
