/**
 * The glue between openapi-backend and a typed handler: builds the handler's typed
 * request from the validated context, and writes the handler's result with the media
 * type the spec declares for that status.
 */
import type { Context, Operation } from 'openapi-backend'
import type { OpenAPIV3_1 } from 'openapi-types'
import type { AppDeps } from '../deps.js'
import { BadRequestError } from '../errors.js'
import { principalOf } from './auth.js'
import type { HttpExchange } from './exchange.js'
import type { OperationHandler, OperationId, OperationRequest, OperationResult } from './operations.js'

/** A host name, IPv4 or bracketed IPv6 address, with an optional port. */
const SANE_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/

/**
 * `scheme://host[:port]` for absolute URLs in responses: `PUBLIC_URL` when configured,
 * otherwise the request's own Host, which must then look like one, since it ends up in
 * `uri` fields and in `Location` and `Link` headers.
 */
export function baseUrlOf(exchange: HttpExchange, deps: AppDeps): string {
  if (deps.config.publicUrl) return deps.config.publicUrl
  const host = exchange.req.get('host') ?? ''
  const protocol = exchange.req.protocol
  if (!SANE_HOST.test(host) || (protocol !== 'http' && protocol !== 'https')) {
    throw new BadRequestError('The Host header is not a valid host name.', [{ parameter: 'Host', detail: 'is not a valid host name' }])
  }
  return `${protocol}://${host}`
}

export function bindOperation<Id extends OperationId>(handler: OperationHandler<Id>, deps: AppDeps) {
  return async (context: Context, exchange: HttpExchange): Promise<void> => {
    // The casts are the trust boundary: openapi-backend has validated (and coerced) each
    // part against this operation's schema before we get here.
    // Path parameters come typed only in the validator's coerced copy: openapi-backend
    // re-parses the path (as strings) when it rebuilds `context.request`.
    const request = {
      params: context.validation?.coerced?.params ?? context.request.params,
      query: context.request.query,
      body: exchange.request.body,
      principal: principalOf(context),
      baseUrl: baseUrlOf(exchange, deps),
    } as unknown as OperationRequest<Id>
    const result = await handler(request, deps)
    sendResult(exchange, context.operation, result)
  }
}

function sendResult<Id extends OperationId>(
  exchange: HttpExchange,
  operation: Operation,
  result: OperationResult<Id>,
): void {
  const { status, body, headers } = result as { status: number; body?: unknown; headers?: Record<string, string> }
  const response = operation.responses?.[String(status)] as OpenAPIV3_1.ResponseObject | undefined
  const mediaType = Object.keys(response?.content ?? {})[0]
  const res = exchange.res.status(status)
  if (headers) res.set(headers)
  if (body === undefined || mediaType === undefined) {
    res.end()
  } else if (/[/+]json$/.test(mediaType)) {
    res.type(mediaType).send(JSON.stringify(body))
  } else {
    res.type(mediaType).send(body)
  }
}
