/**
 * Runs an operation once the request is accepted: builds the handler's typed request;
 * runs it, inside one transaction when the request is conditional (`If-Match`) or
 * idempotent (`Idempotency-Key`); and hands its result to the writer (http/send-result.ts).
 */
import type { Principal } from '../auth/principal.js'
import type { Database } from '../db/schema.js'
import { inTransaction, inUserTransaction } from '../db/transaction.js'
import type { AppDeps } from '../deps.js'
import { PreconditionFailedError } from '../errors.js'
import { runIdempotently } from '../idempotency/run-idempotently.js'
import { isReplayed, type StoredResult } from '../idempotency/stored-results.js'
import { baseUrlOf } from './base-url.js'
import { entityTag, ifMatchHolds } from './conditional.js'
import type { HttpExchange } from './exchange.js'
import type { HeaderParameter, OperationPlan, ReadBack } from './operation-plan.js'
import { type AnyResult, sendResult } from './send-result.js'

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
function headerParametersIn(exchange: HttpExchange, declared: readonly HeaderParameter[]): Record<string, string> {
  const sent: Record<string, string> = {}
  for (const { name, key } of declared) {
    const value = exchange.req.headers[key]
    if (value !== undefined) sent[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return sent
}

function withDb(deps: AppDeps, db: Database): AppDeps {
  return { ...deps, db }
}

/**
 * Runs the handler in one transaction with the GET of the same resource, and only if
 * that GET's entity tag is the one in `If-Match`.
 */
function runIfMatch(plan: OperationPlan, readBack: ReadBack, ifMatch: string, request: AnyRequest, deps: AppDeps): Promise<AnyResult> {
  const handler = plan.handler as unknown as AnyHandler
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
  return request.principal ? inUserTransaction(deps.db, request.principal.userId, readThenWrite) : inTransaction(deps.db, readThenWrite)
}

/** Runs the handler, under `Idempotency-Key` or `If-Match` where the request has them, and writes its result. */
async function execute(plan: OperationPlan, exchange: HttpExchange, request: AnyRequest, deps: AppDeps): Promise<void> {
  const handler = plan.handler as unknown as AnyHandler
  const key = plan.idempotent ? request.headers['Idempotency-Key'] : undefined
  if (key !== undefined && request.principal) {
    const { result, replayed } = await runIdempotently(
      deps.db,
      { userId: request.principal.userId, key, operationId: plan.operationId, body: request.body },
      (trx) => handler(request, withDb(deps, trx)) as Promise<AnyResult & StoredResult>,
      deps.clock,
    )
    sendResult(exchange, plan, result, replayed)
    return
  }

  const { readBack } = plan
  const ifMatch = readBack ? request.headers['If-Match'] : undefined
  const result = ifMatch !== undefined && readBack ? await runIfMatch(plan, readBack, ifMatch, request, deps) : await handler(request, deps)
  // Registration finds and replays its own stored response (users/users.handlers.ts).
  sendResult(exchange, plan, result, isReplayed(result))
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
    // Only logins read it, but it is worked out for every request: a getter here (a new
    // closure over the exchange in every object) cost far more than Express's req.ip does.
    // --trace-gc-nvp under the GET load: with the getter, 17% of all that a request
    // allocates was promoted to the old generation (its request and response kept alive
    // past young-generation collections) and the old generation was mark-compacted ~5
    // times a second; without it, 0.8%. The same holds for any per-request object with
    // an accessor made on the spot: keep such objects plain data.
    clientAddress: exchange.req.ip ?? 'unknown',
  }
  await execute(plan, exchange, request, deps)
}
