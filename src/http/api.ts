/**
 * openapi-backend, set up the way this service needs it: strict (a request that fails
 * routing, auth or validation never reaches a handler), every failure a domain error,
 * bodies read only once the caller is known.
 */
import type { Context, Operation, Request as OpenApiRequest } from 'openapi-backend'
import type { OpenAPIV3_1 } from 'openapi-types'
import type { AppDeps } from '../deps.js'
import { BadRequestError, MethodNotAllowedError, NotAcceptableError, NotFoundError } from '../errors.js'
import { authenticationFailure, createSecurityHandlers, principalOf } from './auth.js'
import { readRequestBody } from './body.js'
import { bindOperation, mediaTypeOf, type OperationTraits, operationTraits, type ReadBack } from './dispatch.js'
import type { HttpExchange } from './exchange.js'
import type { Handlers, OperationHandler, OperationId } from './operations.js'
import { OpenApi31Backend, useCompiledRouter } from './openapi-adapter.js'
import { assertPlainIntegers } from './parameters.js'
import { requestValidation, usePrecompiledRequestValidators } from './precompiled-validators.js'
import { RequestLimit } from './request-limit.js'
import { noteRoute, noteUser } from './request-log.js'
import { toValidationProblem } from './validation.js'

/** The media types a successful response of `operation` can have. */
function successMediaTypes(operation: Operation): string[] {
  const types = Object.entries(operation.responses ?? {})
    .filter(([status]) => status.startsWith('2'))
    .flatMap(([, response]) => Object.keys((response as OpenAPIV3_1.ResponseObject).content ?? {}))
  return types.length > 0 ? [...new Set(types)] : ['application/json']
}

function isDecodable(path: string): boolean {
  try {
    decodeURIComponent(path)
    return true
  } catch {
    return false
  }
}

export interface Api {
  handle(exchange: HttpExchange): Promise<void>
  /** The methods the spec has for `path` (with HEAD where it has GET, and OPTIONS); none for an unknown path. */
  allowedMethods(path: string): readonly string[]
  /** Every operation of the spec, with its `$ref`s resolved. */
  operations(): readonly Operation[]
}

export async function createApi(deps: AppDeps, handlers: Handlers): Promise<Api> {
  const document = deps.spec.document()
  /** operationId -> the media types its success responses offer; filled once after init. */
  const offeredMediaTypes = new Map<string, string[]>()
  /** operationId -> how the layer runs it (If-Match, Idempotency-Key, auth); filled once after init. */
  const traits = new Map<string, OperationTraits>()
  const traitsOf = (operationId: string): OperationTraits => {
    const found = traits.get(operationId)
    if (!found) throw new Error(`no traits for operation ${operationId}`)
    return found
  }
  const bind = <Id extends OperationId>(id: Id) => bindOperation<Id>(handlers[id], deps, traitsOf)
  const requestLimit = deps.config.rateLimitRequests > 0 ? new RequestLimit(deps.config.rateLimitRequests, deps.config.rateLimitWindowSeconds) : undefined
  const operationHandlers = Object.fromEntries((Object.keys(handlers) as OperationId[]).map((id) => [id, bind(id)]))

  const api = new OpenApi31Backend({
    definition: document,
    strict: true,
    validate: true,
    // coerceTypes, ajvOpts, customizeAjv: shared with the generator of the precompiled validators.
    ...requestValidation(),
    securityHandlers: createSecurityHandlers(deps),
    handlers: {
      ...operationHandlers,
      notFound: async () => {
        throw new NotFoundError('There is no such route. The API reference is at /docs.')
      },
      methodNotAllowed: async (_context: Context, exchange: HttpExchange) => {
        throw new MethodNotAllowedError(exchange.req.method, routes.allowedMethods(exchange.req.path))
      },
      postRoutingHandler: async (context: Context, exchange: HttpExchange) => {
        // Also called when routing failed; the notFound / methodNotAllowed handler answers then.
        if (!context.operation) return
        noteRoute(exchange.req, context.operation.path)
        const offered = offeredMediaTypes.get(context.operation.operationId ?? '') ?? ['application/json']
        // Problems are sent whatever Accept says; only success bodies are negotiated.
        if (!exchange.req.accepts(offered)) {
          throw new NotAcceptableError(`This resource is available as ${offered.join(', ')} only.`)
        }
        assertPlainIntegers(context)
      },
      postSecurityHandler: async (context: Context, exchange: HttpExchange) => {
        const required = (context.operation.security ?? []).length > 0
        if (required && !context.security?.authorized) return
        const principal = principalOf(context)
        if (principal) noteUser(exchange.req, principal.userId)
        if (requestLimit && principal) exchange.res.set(await requestLimit.take(principal.userId))
        exchange.request.body = await readRequestBody(exchange.req, context.operation, deps.config.bodyTimeoutSeconds * 1000)
      },
      unauthorizedHandler: async (context: Context) => {
        throw authenticationFailure(context)
      },
      validationFail: async (context: Context) => {
        const headerNames = (context.operation.parameters ?? []).flatMap((p) => ('in' in p && p.in === 'header' ? [p.name] : []))
        throw toValidationProblem(context.validation.errors ?? [], headerNames)
      },
    },
  })
  await api.init()
  const routes = useCompiledRouter(api)
  usePrecompiledRequestValidators(api.validator, deps.spec.sha256)
  const { operations } = routes
  for (const operation of operations) offeredMediaTypes.set(operation.operationId ?? '', successMediaTypes(operation))
  // A PUT, PATCH or DELETE checks If-Match against the GET of the same path item.
  const reads = new Map(operations.filter((o) => o.method === 'get').map((o) => [o.path, o]))
  for (const operation of operations) {
    const read = operation.method === 'get' ? undefined : reads.get(operation.path)
    const readBack: ReadBack | undefined = read && {
      handler: handlers[read.operationId as OperationId] as OperationHandler<OperationId>,
      mediaType: mediaTypeOf(read, 200) ?? 'application/json',
    }
    traits.set(operation.operationId ?? '', operationTraits(operation, readBack))
  }

  return {
    allowedMethods: (path) => routes.allowedMethods(path),
    operations: () => operations,
    handle: async (exchange) => {
      try {
        await api.handleRequest(exchange.request as OpenApiRequest, exchange)
      } catch (error) {
        // openapi-backend decodes path parameters with decodeURIComponent, which throws
        // on a malformed escape such as `/api/v1/tasks/%ZZ`.
        if (error instanceof URIError && !isDecodable(exchange.request.path)) {
          throw new BadRequestError('A path parameter is not valid percent-encoding.', [
            { detail: 'is not valid percent-encoding' },
          ])
        }
        throw error
      }
    },
  }
}
