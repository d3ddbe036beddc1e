/**
 * CORS for browser clients, from the `cors` package: only the configured origins (none
 * by default) get CORS headers; a preflight is answered for the methods the spec has on
 * that path and the request headers the spec uses; the response headers a client needs
 * (`Location`, `Link`, `ETag`, `X-Request-Id`, ...) are exposed. A disallowed origin gets
 * no CORS headers at all, so the browser refuses the response.
 */
import cors, { type CorsOptions } from 'cors'
import type { Request, Response } from 'express'
import type { Api } from './api.js'
import type { OperationPlan } from './operation-plan.js'
import { runMiddleware } from './run-middleware.js'

/** Sent by every client, whatever the spec lists as header parameters. */
const BASE_REQUEST_HEADERS = ['Authorization', 'Content-Type', 'Accept', 'X-Request-Id']

/** The header parameters the spec declares, and the response headers it declares, from the operations' plans. */
function headersInSpec(plans: Iterable<OperationPlan>): { request: string[]; response: string[] } {
  const request = new Set(BASE_REQUEST_HEADERS)
  const response = new Set(['Allow'])
  for (const plan of plans) {
    for (const { name } of plan.headerParameters) request.add(name)
    for (const reply of plan.responses.values()) {
      // The CORS fields themselves are for the browser, not for the script.
      for (const name of reply.headers) if (!/^access-control-/i.test(name)) response.add(name)
    }
  }
  return { request: [...request].sort(), response: [...response].sort() }
}

/** Sets the CORS headers of a request; a function that does nothing when no origin is configured. */
export function corsHeaders(allowedOrigins: ReadonlySet<string>, api: Api): (req: Request, res: Response) => Promise<void> | undefined {
  // Without configured origins there is nothing to do, on any request.
  if (allowedOrigins.size === 0) return () => undefined
  const headers = headersInSpec(api.plans.values())
  const middleware = cors<Request>((req, callback) => {
    const origin = req.headers.origin
    const methods = api.allowedMethods(req.path)
    // An unknown path's 404 is readable by the script that asked, but no preflight there
    // succeeds: there is nothing to send the real request to.
    const preflightToNowhere = req.method === 'OPTIONS' && methods.length === 0
    const allowed = origin !== undefined && allowedOrigins.has(origin) && !preflightToNowhere
    const options: CorsOptions = {
      origin: allowed ? origin : false,
      methods: [...methods],
      allowedHeaders: headers.request,
      exposedHeaders: headers.response,
      maxAge: 600,
      // Our OPTIONS answer follows, with its `Allow` header.
      preflightContinue: true,
    }
    callback(null, options)
  })
  return (req, res) => {
    // Whether CORS headers come back depends on Origin: caches must know.
    res.vary('Origin')
    if (req.headers.origin === undefined) return undefined
    return runMiddleware(middleware, req, res)
  }
}
