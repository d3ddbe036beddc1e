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
 * what `app.handle` does before it hands over to its router (links `req` and `res`, whose
 * prototypes are the app's; `X-Powered-By` is off in this app), then runs the middleware,
 * with what it passes to `next`, throws or rejects with going to the error handler, as
 * the router would have done; when the error handler itself fails, the failure is logged
 * and the connection closed, where finalhandler would have printed it.
 *
 * The app's prototypes come with the objects: node:http builds every request and response
 * from the classes in `messages` (http/http-server.ts passes them to `createServer`),
 * which inherit from the app's. `app.handle` instead sets the prototype of each request
 * and response after node:http has built them, and V8 pays for that far beyond the call:
 * objects whose prototype changed after construction kept a quarter of everything a
 * request allocated alive past a young-generation collection (--trace-gc-nvp: 29% of the
 * bytes allocated were promoted to the old generation, against 0.1% with the classes), so
 * the old generation filled in a few hundred milliseconds and was marked and compacted
 * three times a second (issue 10: CPU, p99 and memory).
 *
 * Not set, although Express's types say they are: the response's `locals` (app.handle's)
 * and the request's `originalUrl`, `baseUrl`, `params` and `next` (the router's). Nothing here
 * reads them, and adding them to every request and response cost about a tenth of a
 * GET's CPU (bench:compare, 198 against 222 µs). test/http/express-listener.test.ts holds
 * the request and response to what `app.handle` gives a middleware, and fails if code
 * in src/ starts reading any of them.
 */
import { IncomingMessage, type RequestListener, ServerResponse } from 'node:http'
import type { ErrorRequestHandler, Express, NextFunction, Request, RequestHandler, Response } from 'express'
import type { Logger } from 'pino'
import { noSuchRoute } from '../errors.js'
import { requestIdOf } from './request-id.js'

/** What node:http should build each request and response from: classes whose instances have the app's prototypes. */
export interface MessageClasses {
  readonly IncomingMessage: typeof IncomingMessage
  readonly ServerResponse: typeof ServerResponse<IncomingMessage>
}

/** The listener and the classes its server must build requests and responses from. */
export interface ExpressListener {
  readonly listener: RequestListener
  readonly messages: MessageClasses
}

/** Classes of node:http's request and response that inherit from the app's (`app.request`, `app.response`). */
function messageClasses(app: Express): MessageClasses {
  class AppRequest extends IncomingMessage {}
  class AppResponse extends ServerResponse<IncomingMessage> {}
  // Once per app, on the classes' prototypes: app.request itself inherits from IncomingMessage.prototype.
  Object.setPrototypeOf(AppRequest.prototype, app.request)
  Object.setPrototypeOf(AppResponse.prototype, app.response)
  return { IncomingMessage: AppRequest, ServerResponse: AppResponse }
}

export function expressListener(app: Express, middleware: RequestHandler, onError: ErrorRequestHandler, logger: Logger): ExpressListener {
  /** A response the error handler itself failed to write: said in the log, and the connection closed. */
  function abandon(req: Request, res: Response, failure: unknown): void {
    logger.error({ err: failure, reqId: requestIdOf(req) }, 'the error handler failed; connection closed')
    res.destroy()
  }

  const listener = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const req = incoming as Request
    const res = outgoing as Response
    req.res = res
    res.req = req
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
  return { listener, messages: messageClasses(app) }
}
