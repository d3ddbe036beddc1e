/**
 * Everything this service changes about openapi-backend 5.21, in one place, each with its
 * reason. The library supplies the operations (through the router set here) and validates
 * every request (its Ajv validators, through {@link compileRequestValidation}); routing is
 * the {@link RouteTable}'s, and http/api.ts runs the steps in strict mode's order instead
 * of its `handleRequest`.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { ErrorObject } from 'ajv'
import { OpenAPIBackend, OpenAPIRouter, OpenAPIValidator, type Operation, type Request } from 'openapi-backend'
import type { OpenAPIV3_1 } from 'openapi-types'
import { RouteTable } from './route-table.js'

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
 * openapi-backend's router, serving the operations of a {@link RouteTable} built once. It
 * routes nothing and parses no request: http/api.ts matches with the table (the library's
 * own matching builds a RegExp per templated path on every call), and
 * {@link compileRequestValidation} validates the parts http/api.ts has already read. What
 * that does not handle, the constructor refuses, so a spec that comes to need it fails at
 * start-up, not at request time: cookie parameters, `explode: false` and
 * `content`-encoded parameters, and header parameters with a default (Ajv would write it
 * into the request's headers, which are validated as they are, not copied).
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

}

/** A request as http/api.ts has it when it validates: routed, decoded, its body read. */
export interface RequestParts {
  /** Path parameters, percent-decoded. */
  readonly params: Record<string, string>
  /** Only this request's: coercion rewrites it in place (Express parses a fresh one on each read of `req.query`). */
  readonly query: Record<string, unknown>
  readonly headers: IncomingHttpHeaders
  /** Parsed (JSON or form), `undefined` when none was sent. */
  readonly body: unknown
}

export interface RequestVerdict {
  readonly errors: readonly ErrorObject[] | null
  /** Path parameters, coerced to their schemas' types. */
  readonly params: Record<string, unknown>
  readonly query: Record<string, unknown>
}

/**
 * openapi-backend's `validateRequest` for one operation, over the parts of a request that
 * are already read: the same validators (openapi-backend's, precompiled) run on the same
 * `{ path, query, header, cookie, requestBody }` object. Its own `validateRequest` parses
 * the request again, walks the query with lodash and filters the operation's parameters on
 * every call: about 40 µs of a GET whose validators take under 1 µs (issue 10). What it
 * does besides, this does once: the names of array query parameters (a single value
 * becomes a list). Its check for malformed JSON has nothing to do here: the body was
 * parsed on reading (http/body.ts), and a JSON scalar is validated as the value it is.
 * test/http/openapi-adapter.test.ts holds the two to the same answers.
 */
export type RequestValidation = (parts: RequestParts) => RequestVerdict

export function compileRequestValidation(validator: OpenAPIValidator, operation: Operation): RequestValidation {
  const validators = validator.getRequestValidatorsForOperation(operation.operationId ?? '') ?? []
  const arrayQueryNames = (operation.parameters ?? []).flatMap((parameter) =>
    !('$ref' in parameter) && parameter.in === 'query' && (parameter.schema as { type?: unknown } | undefined)?.type === 'array' ? [parameter.name] : [],
  )
  return ({ params, query, headers, body }) => {
    for (const name of arrayQueryNames) {
      const value = query[name]
      if (typeof value === 'string') query[name] = [value]
    }
    const parameters: Record<string, unknown> = { path: params, query, header: headers, cookie: {} }
    if (body !== undefined) parameters.requestBody = body
    let errors: ErrorObject[] | null = null
    for (const validate of validators) {
      if (!validate(parameters)) errors = [...(errors ?? []), ...(validate.errors ?? [])]
    }
    return { errors, params: parameters.path as Record<string, unknown>, query: parameters.query as Record<string, unknown> }
  }
}

/** Puts the compiled router in place of the one `init()` built, so that validation finds the table's operations. */
export function useCompiledRouter(backend: OpenAPIBackend): RouteTable {
  const table = new RouteTable(backend.router.getOperations())
  const router = new CompiledRouter(backend.definition as OpenAPIV3_1.Document, table)
  backend.router = router
  backend.validator.router = router
  return table
}
