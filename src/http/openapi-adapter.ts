/**
 * Everything this service changes about openapi-backend 5.21, in one place, each with its
 * reason. The library supplies the operations (through the router set here) and validates
 * every request (its Ajv validators, through {@link compileRequestValidation}); routing is
 * the {@link RouteTable}'s, and http/api.ts runs the steps in strict mode's order instead
 * of its `handleRequest`.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { ErrorObject } from 'ajv'
import { OpenAPIBackend, OpenAPIRouter, OpenAPIValidator, type Operation } from 'openapi-backend'
import type { OpenAPIV3_1 } from 'openapi-types'
import { BadRequestError, type FieldError, invalidParameters } from '../errors.js'
import type { Routable, RouteMatch, RouteTable } from './route-table.js'

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
 * openapi-backend's router, serving the operations its own router listed at `init()`. It
 * routes nothing and parses no request: the route table (http/route-table.ts) is the one
 * router, the only place that answers 404 and 405 (the library's matching builds a RegExp
 * per templated path on every call, and falls through to another path item's template
 * where the spec means 405), and {@link compileRequestValidation} validates the parts
 * http/api.ts has already read. What that does not handle, the constructor refuses, so a
 * spec that comes to need it fails at start-up, not at request time: cookie parameters,
 * `explode: false` and `content`-encoded parameters, and header parameters with a default
 * (Ajv would write it into the request's headers, which are validated as they are, not copied).
 */
export class CompiledRouter extends OpenAPIRouter {
  private readonly byId: ReadonlyMap<string, Operation>

  constructor(
    definition: OpenAPIV3_1.Document,
    readonly operations: readonly Operation[],
  ) {
    super({ definition })
    this.byId = new Map(operations.map((operation) => [operation.operationId ?? '', operation]))
    for (const operation of operations) {
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
    return this.operations as Operation[]
  }

  override getOperation(operationId: string): Operation | undefined {
    return this.byId.get(operationId)
  }

  /** Never asked: a request it matched would get the library's 404 or 405, not the route table's. */
  override matchOperation(): never {
    throw new Error("openapi-backend's router does not route here: the route table (http/route-table.ts) does")
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

/**
 * Puts the compiled router in place of the one `init()` built (which reads the operations
 * from the document on every call), and returns the operations it serves.
 */
export function useCompiledRouter(backend: OpenAPIBackend): readonly Operation[] {
  const router = new CompiledRouter(backend.definition as OpenAPIV3_1.Document, backend.router.getOperations())
  backend.router = router
  backend.validator.router = router
  return router.operations
}

/**
 * Path parameters, percent-decoded as openapi-backend's parser decodes them
 * (`decodeURIComponent`, which the route table calls), so its validators see the same
 * values; a malformed escape such as `/tasks/%ZZ` throws URIError there, which would be a
 * 500, and is a 400 here.
 */
export function pathParametersOf<Entry extends Routable>(routes: RouteTable<Entry>, match: RouteMatch<Entry>): Record<string, string> {
  try {
    return routes.parametersOf(match)
  } catch (error) {
    if (!(error instanceof URIError)) throw error
    throw new BadRequestError('A path parameter is not valid percent-encoding.', [{ detail: 'is not valid percent-encoding' }])
  }
}

/** An integer parameter: Ajv would coerce `0x2` to 2, so its raw spelling is checked. */
export interface IntegerParameter {
  readonly name: string
  readonly in: 'path' | 'query'
}

const PLAIN_INTEGER = /^-?(0|[1-9]\d*)$/

/**
 * What openapi-backend's parameter coercion lets through but an API should not: Ajv's
 * `coerceTypes` turns `0x2`, `2e0`, `2.0`, ` 2` and `002` into the integer 2. Integer
 * parameters take plain decimal only, so every spelling of a number means one thing.
 * Checks the raw (not yet coerced) path and query values of `parameters`.
 */
export function assertPlainIntegers(
  parameters: readonly IntegerParameter[],
  raw: { readonly path: Readonly<Record<string, unknown>>; readonly query: Readonly<Record<string, unknown>> },
): void {
  let errors: FieldError[] | undefined
  for (const parameter of parameters) {
    const value = raw[parameter.in][parameter.name]
    // Only what Ajv would coerce to an integer; anything else its schema judges.
    if (typeof value === 'string' && value.trim() !== '' && Number.isInteger(Number(value)) && !PLAIN_INTEGER.test(value)) {
      errors ??= []
      errors.push({ parameter: parameter.name, detail: 'must be an integer in plain decimal notation' })
    }
  }
  if (errors) throw invalidParameters(errors)
}
