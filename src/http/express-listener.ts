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
 * what `app.handle` does before it hands over to its router (links `req` and `res`, and
 * gives them the app's prototypes), then runs the middleware, with what it passes to
 * `next` going to the error handler, as the router would have done.
 * test/http/express-listener.test.ts holds it to `app.handle`'s setup.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import type { ErrorRequestHandler, Express, NextFunction, Request, RequestHandler, Response } from 'express'
import { NotFoundError } from '../errors.js'

/** A response the error handler itself failed to write: the connection is all that is left to close. */
function abandon(res: Response, error: unknown): void {
  res.destroy(error instanceof Error ? error : new Error(String(error)))
}

export function expressListener(app: Express, middleware: RequestHandler, onError: ErrorRequestHandler): RequestListener {
  const requestPrototype = app.request
  const responsePrototype = app.response
  return (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const req = incoming as Request
    const res = outgoing as Response
    req.res = res
    res.req = req
    Object.setPrototypeOf(req, requestPrototype)
    Object.setPrototypeOf(res, responsePrototype)
    const next: NextFunction = (error?: unknown) => {
      // The middleware answers every request; falling through would be Express's 404.
      const reason = error ?? new NotFoundError('There is no such route. The API reference is at /docs.')
      try {
        onError(reason, req, res, (unhandled?: unknown) => abandon(res, unhandled ?? reason))
      } catch (failure) {
        abandon(res, failure)
      }
    }
    middleware(req, res, next)
  }
}
