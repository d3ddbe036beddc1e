/**
 * Everything this service changes about openapi-backend 5.21, in one place, each with its
 * reason. The library still routes (through the router set here) and validates (its Ajv
 * validators) every request; http/api.ts runs the steps in strict mode's order instead of
 * its `handleRequest`.
 */
import { OpenAPIBackend, OpenAPIRouter, OpenAPIValidator, type Operation, type ParsedRequest, type Request } from 'openapi-backend'
import type { OpenAPIV3_1 } from 'openapi-types'
import { RouteTable, withoutTrailingSlashes } from './route-table.js'

/**
 * openapi-backend 5.21 checks every document against the OpenAPI 3.0 meta-schema, which
 * rejects legal 3.1 (`type: [string, "null"]`) and so fails `init()` in strict mode. Our
 * document is checked against the 3.1 schema at start-up instead (service/openapi-schema.ts).
 */
export class OpenApi31Backend extends OpenAPIBackend {
  override validateDefinition() {
    return this.document
  }
}

/**
 * openapi-backend precompiles a validator for every response and every response header of
 * every operation: most of its start-up (1.9 of 2.4 s here), though the server only
 * validates requests (the tests hold responses to the spec). Built on first use instead.
 */
OpenAPIValidator.prototype.preCompileResponseValidators = () => undefined
OpenAPIValidator.prototype.preCompileResponseHeaderValidators = () => undefined

/**
 * The request's query as a fresh object (validation coerces it in place), arrays copied.
 * Without a prototype, so a parameter named `__proto__` stays a parameter (and is refused
 * as unknown) instead of becoming the copy's prototype.
 */
function copyQuery(query: Request['query']): Record<string, unknown> {
  const copy: Record<string, unknown> = Object.create(null)
  if (typeof query !== 'object') return copy
  for (const name of Object.keys(query)) {
    const value = query[name]
    copy[name] = Array.isArray(value) ? [...value] : value
  }
  return copy
}

function parseBody(body: unknown): unknown {
  if (typeof body !== 'string') return body
  try {
    return JSON.parse(body)
  } catch {
    // Left as text; the validator reports malformed JSON where the operation takes JSON.
    return body
  }
}

/**
 * openapi-backend's router with matching from a {@link RouteTable} built once, and a
 * parser that does only what this spec needs. openapi-backend's own parser deep-clones the
 * query, re-maps the headers, parses cookies and compiles the path template on every
 * call (and its handleRequest called it four times per request); the validator calls this
 * one once per request, and it is a few copies. What the slimmer parser does not do,
 * the constructor refuses, so a spec that comes to need it fails at start-up, not at
 * request time: cookie parameters, `explode: false` and `content`-encoded parameters,
 * and header parameters with a default (Ajv would write it into the request's headers,
 * which are passed as they are, not copied).
 */
export class CompiledRouter extends OpenAPIRouter {
  constructor(
    definition: OpenAPIV3_1.Document,
    readonly table: RouteTable,
  ) {
    super({ definition })
    for (const operation of table.operations) {
      for (const parameter of operation.parameters ?? []) {
        if ('$ref' in parameter) continue
        const headerDefault = parameter.in === 'header' && parameter.schema !== undefined && 'default' in parameter.schema
        if (parameter.in === 'cookie' || parameter.explode === false || parameter.content !== undefined || headerDefault) {
          throw new Error(`${operation.operationId}: parameter ${parameter.name} needs openapi-backend's own parser`)
        }
      }
    }
  }

  override getOperations(): Operation[] {
    return this.table.operations as Operation[]
  }

  override getOperation(operationId: string): Operation | undefined {
    return this.table.operation(operationId)
  }

  override matchOperation(req: Request): Operation | undefined
  override matchOperation(req: Request, strict: boolean): Operation
  override matchOperation(req: Request, strict?: boolean): Operation | undefined {
    const { operation } = this.table.match(req.method, pathOf(req))
    // Only handleRequest matches strictly, and this service does not call it.
    if (!operation && strict) throw new Error(`no operation for ${req.method} ${req.path}`)
    return operation
  }

  override parseRequest(req: Request, operation?: Operation): ParsedRequest {
    const path = pathOf(req)
    return {
      ...req,
      method: req.method.toLowerCase(),
      path,
      // Node has named the headers in lower case already; validation only reads them.
      headers: req.headers,
      query: copyQuery(req.query),
      cookies: {},
      params: operation ? this.table.parameters(operation, path) : {},
      requestBody: parseBody(req.body),
    }
  }
}

function pathOf(req: Request): string {
  const query = req.path.indexOf('?')
  return withoutTrailingSlashes(query < 0 ? req.path : req.path.slice(0, query))
}

/** Puts the compiled router in place of the one `init()` built, for routing and validation alike. */
export function useCompiledRouter(backend: OpenAPIBackend): RouteTable {
  const table = new RouteTable(backend.router.getOperations())
  const router = new CompiledRouter(backend.definition as OpenAPIV3_1.Document, table)
  backend.router = router
  backend.validator.router = router
  return table
}
