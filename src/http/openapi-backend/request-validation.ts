/**
 * openapi-backend's `validateRequest`, replaced by its own validators run over the parts
 * of a request already read (why: {@link RequestValidation}). The path parameters it
 * returns are the ones the validators coerced in place (`coerceTypes`): the router's
 * parsed ones are text, and openapi-backend hands its handlers those uncoerced, with
 * the coerced copy only in the validation result. Part of the adapter (backend.ts lists
 * every change).
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { ErrorObject } from 'ajv'
import type { OpenAPIValidator, Operation } from 'openapi-backend'

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
