/**
 * The glue between openapi-backend and a typed handler: builds the handler's typed
 * request from the validated context; runs it, inside one transaction when the request
 * is conditional (`If-Match`) or idempotent (`Idempotency-Key`); and writes its result
 * with the media type, entity tag and cache headers the spec declares for that status.
 */
import type { Context, Operation } from 'openapi-backend'
import type { OpenAPIV3_1 } from 'openapi-types'
import type { Database } from '../db/schema.js'
import { inTransaction, inUserTransaction } from '../db/transaction.js'
import type { AppDeps } from '../deps.js'
import { BadRequestError, PreconditionFailedError } from '../errors.js'
import { principalOf } from './auth.js'
import { cacheControlFor } from './caching.js'
import { entityTag, ifMatchHolds, isNotModified } from './conditional.js'
import type { HttpExchange } from './exchange.js'
import { runIdempotently, type StoredResult } from './idempotency.js'
import type { OperationHandler, OperationId, OperationResult, Principal } from './operations.js'

/**
 * The longest Host: a DNS name (253 characters) with a port. It bounds every URL built on
 * it (`uri`, `Location`, `Link`) within the lengths the spec declares.
 */
export const MAX_HOST_LENGTH = 253 + ':65535'.length

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
  if (host.length > MAX_HOST_LENGTH || !SANE_HOST.test(host) || (protocol !== 'http' && protocol !== 'https')) {
    throw new BadRequestError('The Host header is not a valid host name.', [{ parameter: 'Host', detail: 'is not a valid host name' }])
  }
  return `${protocol}://${host}`
}

/** A result as the layer handles it, whatever the operation. */
interface AnyResult {
  readonly status: number
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
  readonly replayed?: boolean
}

/** A request as the layer handles it, whatever the operation. */
interface AnyRequest {
  readonly params: unknown
  readonly query: unknown
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
  readonly principal: Principal | null
  readonly baseUrl: string
  readonly clientAddress: string
}

type AnyHandler = (request: AnyRequest, deps: AppDeps) => Promise<AnyResult>

/** The GET whose representation an `If-Match` is compared with. */
export interface ReadBack {
  readonly handler: OperationHandler<OperationId>
  /** The media type of its 200, which the entity tag is computed over. */
  readonly mediaType: string
}

/** What the spec says about one operation that changes how it is run. */
export interface OperationTraits {
  /** The operation needs credentials. */
  readonly secured: boolean
  /** For a PUT, PATCH or DELETE that takes `If-Match`: the GET of the same resource. */
  readonly readBack?: ReadBack
  /**
   * It is a signed-in create that takes an `Idempotency-Key`, which this layer applies.
   * (Registration applies its own: until it has run, its key has no owner.)
   */
  readonly idempotent: boolean
  /** The names of the header parameters it declares, as the spec spells them. */
  readonly headerParameters: readonly string[]
}

function headerParametersOf(operation: Operation): string[] {
  return (operation.parameters ?? []).flatMap((p) => (!('$ref' in p) && p.in === 'header' ? [p.name] : []))
}

function takesHeader(operation: Operation, name: string): boolean {
  return headerParametersOf(operation).some((declared) => declared.toLowerCase() === name.toLowerCase())
}

export function operationTraits(operation: Operation, readBack: ReadBack | undefined): OperationTraits {
  const security = operation.security
  const secured = security === undefined || security.length > 0
  return {
    secured,
    ...(readBack && takesHeader(operation, 'If-Match') ? { readBack } : {}),
    idempotent: secured && takesHeader(operation, 'Idempotency-Key'),
    headerParameters: headerParametersOf(operation),
  }
}

function headerOf(exchange: HttpExchange, name: string): string | undefined {
  const value = exchange.req.headers[name.toLowerCase()]
  return Array.isArray(value) ? value.join(', ') : value
}

/** The declared header parameters the request sent (already validated), keyed as the spec spells them. */
function headerParametersIn(exchange: HttpExchange, names: readonly string[]): Record<string, string> {
  const sent: Record<string, string> = {}
  for (const name of names) {
    const value = headerOf(exchange, name)
    if (value !== undefined) sent[name] = value
  }
  return sent
}

function withDb(deps: AppDeps, db: Database): AppDeps {
  return { ...deps, db }
}

/** The response body's bytes, as they will be sent. */
function serialize(mediaType: string, body: unknown): string {
  return /[/+]json$/.test(mediaType) ? JSON.stringify(body) : String(body)
}

export function mediaTypeOf(operation: Operation, status: number): string | undefined {
  const response = operation.responses?.[String(status)] as OpenAPIV3_1.ResponseObject | undefined
  return Object.keys(response?.content ?? {})[0]
}

function declaresHeader(operation: Operation, status: number, name: string): boolean {
  const response = operation.responses?.[String(status)] as OpenAPIV3_1.ResponseObject | undefined
  return Object.keys(response?.headers ?? {}).includes(name)
}

/** Runs the handler, under `If-Match` or `Idempotency-Key` where the request has them. */
async function execute(
  handler: AnyHandler,
  request: AnyRequest,
  deps: AppDeps,
  context: Context,
  traits: OperationTraits,
): Promise<AnyResult> {
  const key = traits.idempotent ? request.headers['Idempotency-Key'] : undefined
  if (key !== undefined && request.principal) {
    return runIdempotently(
      deps.db,
      { userId: request.principal.userId, key, operationId: context.operation.operationId ?? '', body: request.body },
      (trx) => handler(request, withDb(deps, trx)) as Promise<AnyResult & StoredResult>,
    )
  }

  const { readBack } = traits
  const ifMatch = readBack ? request.headers['If-Match'] : undefined
  if (ifMatch !== undefined && readBack) {
    const read = readBack.handler as unknown as AnyHandler
    const readThenWrite = async (trx: Database) => {
      // The resource as a GET would show it now; a missing one is that GET's 404.
      const current = await read({ ...request, query: {}, body: undefined }, withDb(deps, trx))
      if (current.status === 200 && !ifMatchHolds(ifMatch, entityTag(serialize(readBack.mediaType, current.body)))) {
        throw new PreconditionFailedError('The resource has changed since you read it (its ETag is not the one in If-Match): read it again.')
      }
      return handler(request, withDb(deps, trx))
    }
    // One writer of the user's data at a time, on every replica (db/transaction.ts).
    return request.principal
      ? inUserTransaction(deps.db, request.principal.userId, readThenWrite)
      : inTransaction(deps.db, readThenWrite)
  }

  return handler(request, deps)
}

/** `traitsOf` answers once the spec has been read (after openapi-backend's init). */
export function bindOperation<Id extends OperationId>(
  handler: OperationHandler<Id>,
  deps: AppDeps,
  traitsOf: (operationId: string) => OperationTraits,
) {
  return async (context: Context, exchange: HttpExchange): Promise<void> => {
    // The casts are the trust boundary: openapi-backend has validated (and coerced) each
    // part against this operation's schema before we get here.
    // Path parameters come typed only in the validator's coerced copy: openapi-backend
    // re-parses the path (as strings) when it rebuilds `context.request`.
    const traits = traitsOf(context.operation.operationId ?? '')
    const request: AnyRequest = {
      params: context.validation?.coerced?.params ?? context.request.params,
      query: context.request.query,
      headers: headerParametersIn(exchange, traits.headerParameters),
      body: exchange.request.body,
      principal: principalOf(context),
      baseUrl: baseUrlOf(exchange, deps),
      clientAddress: exchange.req.ip ?? 'unknown',
    }
    const run = handler as unknown as AnyHandler
    const result = await execute(run, request, deps, context, traits)
    sendResult(exchange, context.operation, traits, result as OperationResult<Id>)
  }
}

function sendResult<Id extends OperationId>(
  exchange: HttpExchange,
  operation: Operation,
  traits: OperationTraits,
  result: OperationResult<Id>,
): void {
  const { status, body, headers, replayed } = result as AnyResult
  const { req, res } = exchange
  const mediaType = mediaTypeOf(operation, status)
  const text = body === undefined || mediaType === undefined ? undefined : serialize(mediaType, body)
  const tag = text !== undefined && declaresHeader(operation, status, 'ETag') ? entityTag(text) : undefined

  res.set(headers ?? {})
  res.set('Cache-Control', cacheControlFor({ method: req.method, status, secured: traits.secured, tagged: tag !== undefined }))
  if (replayed) res.set('Idempotent-Replayed', 'true')
  if (tag !== undefined) res.set('ETag', tag)

  if (tag !== undefined && status === 200 && (req.method === 'GET' || req.method === 'HEAD') && isNotModified(req.headers, tag)) {
    res.status(304).end()
  } else if (text === undefined || mediaType === undefined) {
    res.status(status).end()
  } else {
    res.status(status).type(mediaType).send(text)
  }
}
