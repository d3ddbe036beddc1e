/**
 * Runs an operation once the request is accepted: builds the handler's typed request;
 * runs it, inside one transaction when the request
 * is conditional (`If-Match`) or idempotent (`Idempotency-Key`); and writes its result
 * with the media type, entity tag and cache headers the spec declares for that status.
 */
import type { Database } from '../db/schema.js'
import { inTransaction, inUserTransaction } from '../db/transaction.js'
import type { AppDeps } from '../deps.js'
import { BadRequestError, PreconditionFailedError } from '../errors.js'
import { cacheControlFor } from './caching.js'
import { entityTag, ifMatchHolds, isNotModified } from './conditional.js'
import type { HttpExchange } from './exchange.js'
import { runIdempotently, type StoredResult } from './idempotency.js'
import { type OperationPlan, responsePlanOf } from './operation-plan.js'
import type { Principal } from '../core/operations.js'

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
  // Clients keep sending the same Host: the last one checked is not checked again.
  if (host === lastSaneHost.host && protocol === lastSaneHost.protocol) return lastSaneHost.baseUrl
  if (host.length > MAX_HOST_LENGTH || !SANE_HOST.test(host) || (protocol !== 'http' && protocol !== 'https')) {
    throw new BadRequestError('The Host header is not a valid host name.', [{ parameter: 'Host', detail: 'is not a valid host name' }])
  }
  lastSaneHost = { host, protocol, baseUrl: `${protocol}://${host}` }
  return lastSaneHost.baseUrl
}

let lastSaneHost = { host: '', protocol: '', baseUrl: '' }

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

/** What routing, authentication and validation made of a request. */
export interface AcceptedRequest {
  /** Path parameters, coerced to their schema's types. */
  readonly params: unknown
  readonly query: unknown
  readonly body: unknown
  readonly principal: Principal | null
}

/** The declared header parameters the request sent (already validated), keyed as the spec spells them. */
function headerParametersIn(exchange: HttpExchange, names: readonly string[]): Record<string, string> {
  const sent: Record<string, string> = {}
  for (const name of names) {
    const value = exchange.req.headers[name.toLowerCase()]
    if (value !== undefined) sent[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return sent
}

function withDb(deps: AppDeps, db: Database): AppDeps {
  return { ...deps, db }
}

/** Runs the handler, under `If-Match` or `Idempotency-Key` where the request has them. */
async function execute(plan: OperationPlan, request: AnyRequest, deps: AppDeps): Promise<AnyResult> {
  const handler = plan.handler as unknown as AnyHandler
  const key = plan.idempotent ? request.headers['Idempotency-Key'] : undefined
  if (key !== undefined && request.principal) {
    return runIdempotently(
      deps.db,
      { userId: request.principal.userId, key, operationId: plan.operationId, body: request.body },
      (trx) => handler(request, withDb(deps, trx)) as Promise<AnyResult & StoredResult>,
    )
  }

  const { readBack } = plan
  const ifMatch = readBack ? request.headers['If-Match'] : undefined
  if (ifMatch !== undefined && readBack) {
    const read = readBack.handler as unknown as AnyHandler
    const readThenWrite = async (trx: Database) => {
      // The resource as a GET would show it now; a missing one is that GET's 404.
      const current = await read({ ...request, query: {}, body: undefined }, withDb(deps, trx))
      if (current.status === 200 && !ifMatchHolds(ifMatch, entityTag(readBack.response.serialize(current.body)))) {
        throw new PreconditionFailedError('The resource has changed since you read it (its ETag is not the one in If-Match): read it again.')
      }
      return handler(request, withDb(deps, trx))
    }
    // One writer of the user's data at a time, on every replica: a row lock on the user
    // (db/transaction.ts), so that the ETag compared is that of what the previous writer
    // committed, and of N writes sent with one ETag exactly one holds. SERIALIZABLE would
    // refuse the losers too, but as serialization failures to retry, each retry ending in
    // the 412 that waiting for the lock gives at once.
    return request.principal
      ? inUserTransaction(deps.db, request.principal.userId, readThenWrite)
      : inTransaction(deps.db, readThenWrite)
  }

  return handler(request, deps)
}

/** Runs an accepted request's operation and writes its result. */
export async function runOperation(plan: OperationPlan, exchange: HttpExchange, accepted: AcceptedRequest, deps: AppDeps): Promise<void> {
  // The casts are the trust boundary: openapi-backend's validator has checked (and
  // coerced) each part against this operation's schema before we get here.
  const request: AnyRequest = {
    params: accepted.params,
    query: accepted.query,
    headers: headerParametersIn(exchange, plan.headerParameters),
    body: accepted.body,
    principal: accepted.principal,
    baseUrl: baseUrlOf(exchange, deps),
    // Only logins read it, and Express works it out afresh (trust proxy, X-Forwarded-For) on every read.
    get clientAddress() {
      return exchange.req.ip ?? 'unknown'
    },
  }
  sendResult(exchange, plan, await execute(plan, request, deps))
}

/** Writes a result with the media type, entity tag and cache headers the plan has for its status. */
function sendResult(exchange: HttpExchange, plan: OperationPlan, result: AnyResult): void {
  const { status, body, headers, replayed } = result
  const { req, res } = exchange
  const response = responsePlanOf(plan, status)
  const text = body === undefined || response.contentType === undefined ? undefined : response.serialize(body)
  const tag = text !== undefined && response.tagged ? entityTag(text) : undefined

  if (headers) for (const name of Object.keys(headers)) res.setHeader(name, headers[name] as string)
  res.setHeader('Cache-Control', cacheControlFor({ method: req.method, status, secured: plan.secured, tagged: tag !== undefined }))
  if (replayed) res.setHeader('Idempotent-Replayed', 'true')
  if (tag !== undefined) res.setHeader('ETag', tag)

  if (tag !== undefined && status === 200 && (req.method === 'GET' || req.method === 'HEAD') && isNotModified(req.headers, tag)) {
    res.statusCode = 304
    res.end()
  } else if (text === undefined || response.contentType === undefined) {
    res.statusCode = status
    res.end()
  } else {
    res.statusCode = status
    res.setHeader('Content-Type', response.contentType)
    res.setHeader('Content-Length', Buffer.byteLength(text))
    // A HEAD gets the headers only: Node leaves the body out.
    res.end(text)
  }
}
