/**
 * Handler types derived from `generated/openapi.d.ts`. A handler that returns a status
 * the spec does not declare for its operation, a body of the wrong shape, a body on a
 * `204`, or forgets a required header (`Location` on a `201`) does not compile; neither
 * does a handler table that misses or misnames an operation.
 */
import type { operations } from '../../generated/openapi.js'
import type { Principal } from '../auth/principal.js'
import type { AppDeps } from '../deps.js'

export type OperationId = keyof operations
type Op<Id extends OperationId> = operations[Id]
type Defined<T> = Exclude<T, undefined>
type Empty = Record<string, never>

type ParametersIn<Id extends OperationId, Where extends 'path' | 'query' | 'header'> = [Defined<Op<Id>['parameters'][Where]>] extends [never]
  ? Empty
  : Defined<Op<Id>['parameters'][Where]>

/** The request body, validated against the operation's JSON schema (form bodies too). */
export type RequestBodyOf<Id extends OperationId> =
  Op<Id> extends { requestBody?: infer Body }
    ? [Defined<Body>] extends [never]
      ? undefined
      : Defined<Body> extends { content: { 'application/json': infer Json } }
        ? Json
        : undefined
    : undefined

type BodyOf<Response> = Response extends { content: infer Content } ? Content[keyof Content] : undefined

/**
 * Headers the HTTP layer sets, the same way for every operation (request id, caching,
 * entity tags, rate limits, idempotent replays, CORS); handlers never set these.
 */
type LayerHeaders = 'X-Request-Id' | 'ETag' | 'Cache-Control' | 'Vary' | 'RateLimit' | 'RateLimit-Policy' | 'Idempotent-Replayed' | 'Access-Control-Allow-Origin'
type HeadersOf<Response> = Response extends { headers: infer H } ? { [K in keyof H as string extends K ? never : K extends LayerHeaders ? never : K]: H[K] } : Empty

type ResultFor<Status, Response> = (BodyOf<Response> extends undefined ? { status: Status; body?: undefined } : { status: Status; body: BodyOf<Response> }) &
  (keyof HeadersOf<Response> extends never ? { headers?: undefined } : { headers: HeadersOf<Response> })

type Responses<Id extends OperationId> = Op<Id>['responses']

/** One of the responses the spec declares for this operation. */
export type OperationResult<Id extends OperationId> = {
  [Status in keyof Responses<Id>]: ResultFor<Status, Responses<Id>[Status]>
}[keyof Responses<Id>] & {
  /**
   * Whether a response is replayed is the idempotency layer's to say (src/idempotency/), not
   * a field a handler sets. Registration, which finds its own stored response (its key has
   * no owner until the account exists), marks it with `markReplayed` from the same folder.
   */
  readonly replayed?: never
}

/** A request that routing and validation have already accepted. */
export interface OperationRequest<Id extends OperationId> {
  readonly params: ParametersIn<Id, 'path'>
  readonly query: ParametersIn<Id, 'query'>
  /** The header parameters the operation declares, by the names the spec gives them. */
  readonly headers: ParametersIn<Id, 'header'>
  readonly body: RequestBodyOf<Id>
  /** Null only on the operations the spec marks `security: []`. */
  readonly principal: Principal | null
  /** `scheme://host[:port]` that absolute `uri`s and links start with. */
  readonly baseUrl: string
  /** The client's address (the forwarded one, under `TRUST_PROXY`), for throttling password guesses. */
  readonly clientAddress: string
}

export type OperationHandler<Id extends OperationId> = (request: OperationRequest<Id>, deps: AppDeps) => Promise<OperationResult<Id>>

export type Handlers = { [Id in OperationId]: OperationHandler<Id> }
