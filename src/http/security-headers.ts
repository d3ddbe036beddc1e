/**
 * Browser-facing protections on every response, set by helmet: `nosniff`, no framing
 * (`X-Frame-Options: DENY` and `frame-ancestors 'none'`), and a Content-Security-Policy.
 *
 * The API answers JSON and YAML, which no browser should run, style, frame or load
 * anything for: `default-src 'none'`. The rendered reference at `/docs` is a Redoc page
 * of inline scripts and styles; its policy lists the hashes of exactly those (read from
 * the file served, spec/inline-sources.ts) and the few other things Redoc needs, and no
 * `'unsafe-inline'` or `'unsafe-eval'`. test/service/docs.browser.test.ts renders the
 * page under it and fails on any violation but the one described at {@link docsPolicy}.
 *
 * HSTS is off unless `HSTS_MAX_AGE_SECONDS` is set: browsers ignore it over plain HTTP,
 * but a pin picked up over HTTPS holds for the host name on every port, so one from
 * `localhost` would force every plain-HTTP service there onto HTTPS while it lasts.
 */
import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import type { Request, Response } from 'express'
import helmet, { type HelmetOptions } from 'helmet'
import type { AppConfig } from '../config.js'
import { loadDocs, type RenderedDocs } from '../spec/docs.js'
import { hashSource, type InlineSources } from '../spec/inline-sources.js'
import type { ApiSpec } from '../spec/spec.js'
import { runMiddleware } from './run-middleware.js'

type Directives = Readonly<Record<string, readonly string[]>>
type HelmetMiddleware = ReturnType<typeof helmet>
type HeaderConfig = Pick<AppConfig, 'hstsMaxAgeSeconds'>

const NONE = "'none'"

/** Nothing in an API response is to be run, styled, loaded or framed. */
const API_POLICY: Directives = {
  'default-src': [NONE],
  'frame-ancestors': [NONE],
}

/** An empty source list would read as "no restriction" to a reader; `'none'` says it. */
function orNone(sources: readonly string[]): readonly string[] {
  return sources.length > 0 ? sources : [NONE]
}

/**
 * What the Redoc page needs and nothing more:
 * - its inline `<script>`s and `<style>`s, by hash;
 * - the empty `<style>` that styled-components adds at run time and then fills through
 *   the CSSOM (`insertRule`), which CSP does not govern: the hash of the empty string
 *   admits that element and no CSS text;
 * - the `style="…"` attributes in the server-rendered markup, by hash (`'unsafe-hashes'`
 *   applies those hashes to attributes only: they still cannot be run as scripts);
 * - `data:` images (the Redocly badge, inlined by docs/offline.mjs) and `data:` fonts
 *   (Redoc's icon font).
 *
 * No `'unsafe-eval'`: Redoc's search probes `Function(...)` to build its index in a
 * `blob:` worker. Refused, it catches the error and builds the index in the page instead,
 * so search still works and no worker is needed; the refusal is reported as one
 * `script-src` violation of kind `eval`, the only one the browser test tolerates.
 */
function docsPolicy(inline: InlineSources): Directives {
  return {
    'default-src': [NONE],
    'script-src': orNone(inline.scripts),
    'style-src-elem': [...inline.styles, hashSource('')],
    'style-src-attr': ["'unsafe-hashes'", ...inline.styleAttributes],
    'img-src': ['data:'],
    'font-src': ['data:'],
    'base-uri': [NONE],
    'form-action': [NONE],
    'frame-ancestors': [NONE],
  }
}

function helmetWith(policy: Directives, config: HeaderConfig): HelmetMiddleware {
  const options: HelmetOptions = {
    // Only what is listed: helmet's defaults would add `upgrade-insecure-requests`, which
    // breaks a page served over plain HTTP anywhere but localhost.
    contentSecurityPolicy: { useDefaults: false, directives: policy },
    xFrameOptions: { action: 'deny' },
    strictTransportSecurity: config.hstsMaxAgeSeconds > 0 ? { maxAge: config.hstsMaxAgeSeconds, includeSubDomains: false } : false,
  }
  return helmet(options)
}

/** The path the spec gives `operationId` (a GET), so the docs' own policy follows the spec. */
function pathOf(spec: ApiSpec, operationId: string): string {
  for (const [path, item] of Object.entries(spec.parsed.paths ?? {})) {
    if (item?.get?.operationId === operationId) return path
  }
  throw new Error(`openapi.yaml has no GET operation ${operationId}`)
}

/**
 * Sets the headers of a request, first thing. A `GET` or `HEAD` of the docs gets the docs'
 * policy whatever its status: a `304` carries the policy the cached page is rendered
 * under. Anything else, and the docs while the page is missing (then a 500 problem),
 * gets the API's.
 */
export function securityHeaders(deps: { readonly config: AppConfig; readonly spec: ApiSpec }): (req: Request, res: Response) => Promise<void> | undefined {
  const { config } = deps
  const forApi = helmetWith(API_POLICY, config)
  const docsPath = pathOf(deps.spec, 'getDocs')
  const forDocs = new WeakMap<RenderedDocs, HelmetMiddleware>()

  const docsHeaders = async (): Promise<HelmetMiddleware> => {
    const docs = await loadDocs(config.rootDir)
    let middleware = forDocs.get(docs)
    if (!middleware) {
      middleware = helmetWith(docsPolicy(docs.inline), config)
      forDocs.set(docs, middleware)
    }
    return middleware
  }

  // helmet run once: the API's headers never change, and setting them from a list costs
  // a fraction of running helmet's dozen middlewares on every request (issue 10).
  // Names and values side by side: an indexed loop allocates nothing per request, where
  // `for (const [name, value] of ...)` made an iterator and a destructuring per header.
  const apiHeaders = socketSecurityHeaders(config)
  const names = apiHeaders.map(([name]) => name)
  const values = apiHeaders.map(([, value]) => value)
  return (req, res) => {
    // The router takes the path with or without trailing slashes (http/route-table.ts).
    const isDocs = (req.method === 'GET' || req.method === 'HEAD') && (req.path === docsPath || req.path === `${docsPath}/`)
    if (isDocs) {
      return docsHeaders()
        .catch(() => forApi)
        .then((middleware) => runMiddleware(middleware, req, res))
    }
    for (let i = 0; i < names.length; i++) res.setHeader(names[i] as string, values[i] as string)
    return undefined
  }
}

/**
 * The API's headers as name and value, for the answers written straight to the socket
 * before Express runs (http/client-errors.ts): helmet run once on a detached response,
 * so both paths send the same headers (named in lower case, as Node keeps them).
 */
export function socketSecurityHeaders(config: HeaderConfig): ReadonlyArray<readonly [string, string]> {
  const req = new IncomingMessage(new Socket())
  const res = new ServerResponse(req)
  helmetWith(API_POLICY, config)(req, res, () => undefined)
  return Object.entries(res.getHeaders()).map(([name, value]) => [name, String(value)] as const)
}
