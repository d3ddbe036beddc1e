/**
 * CORS for browser clients, from the `cors` package: only the configured origins (none
 * by default) get CORS headers; a preflight is answered for the methods the spec has on
 * that path and the request headers the spec uses; the response headers a client needs
 * (`Location`, `Link`, `ETag`, `X-Request-Id`, ...) are exposed. A disallowed origin gets
 * no CORS headers at all, so the browser refuses the response.
 */
import cors, { type CorsOptions } from 'cors'
import type { Request, RequestHandler } from 'express'
import type { OpenAPIV3_1 } from 'openapi-types'
import type { AppDeps } from '../deps.js'
import type { Api } from './api.js'

/** Sent by every client, whatever the spec lists as header parameters. */
const BASE_REQUEST_HEADERS = ['Authorization', 'Content-Type', 'Accept', 'X-Request-Id']

type Document = OpenAPIV3_1.Document
type ParameterObject = OpenAPIV3_1.ParameterObject
type ResponseObject = OpenAPIV3_1.ResponseObject

function resolve<T>(document: Document, node: T | OpenAPIV3_1.ReferenceObject): T {
  if (node && typeof node === 'object' && '$ref' in node) {
    const found = node.$ref
      .slice(2)
      .split('/')
      .reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], document)
    return found as T
  }
  return node
}

function operationsOf(document: Document): OpenAPIV3_1.OperationObject[] {
  const methods = ['get', 'put', 'post', 'delete', 'patch'] as const
  return Object.values(document.paths ?? {}).flatMap((item) => methods.flatMap((m) => (item?.[m] ? [item[m]] : [])))
}

/** The header parameters the spec declares, and the response headers it declares. */
export function headersInSpec(document: Document): { request: string[]; response: string[] } {
  const request = new Set(BASE_REQUEST_HEADERS)
  const response = new Set(['Allow'])
  for (const operation of operationsOf(document)) {
    for (const parameter of operation.parameters ?? []) {
      const resolved = resolve<ParameterObject>(document, parameter)
      if (resolved.in === 'header') request.add(resolved.name)
    }
    for (const reply of Object.values(operation.responses ?? {})) {
      for (const name of Object.keys(resolve<ResponseObject>(document, reply).headers ?? {})) response.add(name)
    }
  }
  return { request: [...request].sort(), response: [...response].sort() }
}

export function corsMiddleware(deps: AppDeps, api: Api): RequestHandler {
  const allowedOrigins = new Set(deps.config.corsOrigins)
  const headers = headersInSpec(deps.spec.document())
  const middleware = cors<Request>((req, callback) => {
    const origin = req.headers.origin
    const methods = api.allowedMethods(req.path)
    const allowed = origin !== undefined && allowedOrigins.has(origin) && methods.length > 0
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
  return (req, res, next) => {
    // Whether CORS headers come back depends on Origin: caches must know.
    if (allowedOrigins.size > 0) res.vary('Origin')
    middleware(req, res, next)
  }
}
