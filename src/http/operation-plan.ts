/**
 * What the spec fixes about each operation, read once at start-up into one plan per
 * operation: the only place the HTTP layer learns spec facts from. Who may call it,
 * which header parameters it takes, which integers it parses, which bodies it reads,
 * what it answers with (media type, entity tag, headers) for each status, and how the
 * layer runs it (its handler, If-Match against which GET, Idempotency-Key or not), with
 * its `Accept` negotiation and its request validation. The route table, the request path
 * (http/api.ts), CORS, the body reader and the result writer read these facts and never
 * the document; the response serializers and the request validators, compiled from the
 * spec at `npm run generate`, are looked up once here.
 */
import contentType from 'content-type'
import type { Operation } from 'openapi-backend'
import type { OpenAPIV3_1 } from 'openapi-types'
import type { Handlers, OperationHandler, OperationId } from '../core/operations.js'
import { AcceptNegotiation } from './negotiation.js'
import type { IntegerParameter } from './openapi-backend/plain-integers.js'
import type { RequestValidation } from './openapi-backend/request-validation.js'
import { isJsonMediaType, type ResponseSerializers, type Serialize } from './response-serializers.js'

/** What one declared status of an operation sends. */
export interface ResponsePlan {
  /** The `Content-Type` of its body, charset included (all our text is UTF-8); undefined when it has none. */
  readonly contentType: string | undefined
  /** Whether it carries an `ETag` (the spec declares the header for this status). */
  readonly tagged: boolean
  /** The headers the spec declares for this status, as it spells them. */
  readonly headers: readonly string[]
  /** Its body's text: JSON written from the response schema, anything else as it is. */
  readonly serialize: Serialize
}

/** The GET whose representation an `If-Match` is compared with. */
export interface ReadBack {
  readonly handler: OperationHandler<OperationId>
  /** What its 200 sends, which the entity tag is computed over. */
  readonly response: ResponsePlan
}

/** A header parameter an operation declares. */
export interface HeaderParameter {
  /** As the spec spells it, and as handlers read it. */
  readonly name: string
  /** In lower case, as Node keys request headers. */
  readonly key: string
}

/** The request body an operation takes. */
export interface RequestBodyPlan {
  /** The media types it accepts, as the spec lists them. */
  readonly mediaTypes: readonly string[]
  /** The schema of its form body (`application/x-www-form-urlencoded`), if it takes one. */
  readonly formSchema: unknown
}

export interface OperationPlan {
  readonly operationId: OperationId
  /** The method, in lower case as the spec writes it. */
  readonly method: string
  /** The spec's path template, which the route table matches and request logs name the route by. */
  readonly path: string
  /** Bound when the plan is compiled: an operation without a handler fails start-up. */
  readonly handler: OperationHandler<OperationId>
  /**
   * The security requirements, each a list of schemes that must all pass; one passing
   * requirement is enough. Empty for a public operation (`security: []`).
   */
  readonly securityRequirements: ReadonlyArray<readonly string[]>
  /** Every scheme named in {@link securityRequirements}, once. */
  readonly securitySchemes: readonly string[]
  readonly secured: boolean
  /** The header parameters it declares, as the spec spells them. */
  readonly headerParameters: readonly HeaderParameter[]
  readonly integerParameters: readonly IntegerParameter[]
  /** Undefined when it takes none. */
  readonly requestBody: RequestBodyPlan | undefined
  /** The media types its success responses offer, for `Accept`. */
  readonly offeredMediaTypes: readonly string[]
  /** `Accept` against {@link offeredMediaTypes}. */
  readonly negotiation: AcceptNegotiation
  /** openapi-backend's validators for it, over the parts of a request already read. */
  readonly validate: RequestValidation
  /** By status code. */
  readonly responses: ReadonlyMap<number, ResponsePlan>
  /** For a PUT, PATCH or DELETE that takes `If-Match`: the GET of the same resource. */
  readonly readBack: ReadBack | undefined
  /**
   * It is a signed-in create that takes an `Idempotency-Key`, which the layer applies.
   * (Registration applies its own: until it has run, its key has no owner.)
   */
  readonly idempotent: boolean
}

function headerParametersOf(operation: Operation): HeaderParameter[] {
  return (operation.parameters ?? []).flatMap((p) => (!('$ref' in p) && p.in === 'header' ? [{ name: p.name, key: p.name.toLowerCase() }] : []))
}

/** An integer schema, or one that allows an integer among other things (`anyOf`, `oneOf`). */
function takesInteger(schema: unknown): boolean {
  const { type, anyOf, oneOf } = (schema ?? {}) as { type?: unknown; anyOf?: unknown[]; oneOf?: unknown[] }
  if (type === 'integer' || (Array.isArray(type) && type.includes('integer'))) return true
  return [...(anyOf ?? []), ...(oneOf ?? [])].some(takesInteger)
}

function integerParametersOf(operation: Operation): IntegerParameter[] {
  return (operation.parameters ?? []).flatMap((p) =>
    !('$ref' in p) && (p.in === 'path' || p.in === 'query') && takesInteger(p.schema) ? [{ name: p.name, in: p.in }] : [],
  )
}

function requestBodyOf(operation: Operation): RequestBodyPlan | undefined {
  const content = (operation.requestBody as OpenAPIV3_1.RequestBodyObject | undefined)?.content ?? {}
  const mediaTypes = Object.keys(content)
  return mediaTypes.length === 0 ? undefined : { mediaTypes, formSchema: content['application/x-www-form-urlencoded']?.schema }
}

const asText: Serialize = (body) => String(body)

function responsePlansOf(operation: Operation, serializers: ResponseSerializers): Map<number, ResponsePlan> {
  const plans = new Map<number, ResponsePlan>()
  for (const [status, declared] of Object.entries(operation.responses ?? {})) {
    const response = declared as OpenAPIV3_1.ResponseObject
    const mediaType = Object.keys(response.content ?? {})[0]
    const json = mediaType !== undefined && isJsonMediaType(mediaType)
    const serialize = json ? serializers.serializerFor(operation.operationId ?? '', Number(status), mediaType) : asText
    if (!serialize) throw new Error(`no response serializer for ${operation.operationId} ${status} ${mediaType}`)
    const headers = Object.keys(response.headers ?? {})
    plans.set(Number(status), {
      contentType: mediaType === undefined ? undefined : contentType.format({ type: mediaType, parameters: { charset: 'utf-8' } }),
      tagged: headers.includes('ETag'),
      headers,
      serialize,
    })
  }
  return plans
}

/** The media types a successful response of `operation` can have. */
function successMediaTypes(operation: Operation): string[] {
  const types = Object.entries(operation.responses ?? {})
    .filter(([status]) => status.startsWith('2'))
    .flatMap(([, response]) => Object.keys((response as OpenAPIV3_1.ResponseObject).content ?? {}))
  return types.length > 0 ? [...new Set(types)] : ['application/json']
}

const NO_RESPONSE: ResponsePlan = { contentType: undefined, tagged: false, headers: [], serialize: asText }

/** What `plan` sends for `status`; a status the spec does not declare sends no body. */
export function responsePlanOf(plan: OperationPlan, status: number): ResponsePlan {
  return plan.responses.get(status) ?? NO_RESPONSE
}

/** What the plans are compiled from. */
export interface PlanSources {
  /** Every operation of the spec, as openapi-backend lists them (references resolved, global security applied). */
  readonly operations: readonly Operation[]
  readonly handlers: Handlers
  readonly serializers: ResponseSerializers
  /** The request validation of one operation (http/openapi-backend/). */
  readonly validationOf: (operation: Operation) => RequestValidation
}

/** One plan per operation of the spec, each bound to its handler. */
export function compileOperationPlans({ operations, handlers, serializers, validationOf }: PlanSources): ReadonlyMap<OperationId, OperationPlan> {
  const reads = new Map(operations.filter((o) => o.method === 'get').map((o) => [o.path, o]))
  // Built once per operation: a write's read-back shares its GET's.
  const responsesOf = new Map(operations.map((o) => [o, responsePlansOf(o, serializers)]))
  const handlerOf = (operationId: OperationId): OperationHandler<OperationId> => {
    const handler = handlers[operationId] as OperationHandler<OperationId> | undefined
    if (!handler) throw new Error(`openapi.yaml has an operation ${operationId} that no handler serves`)
    return handler
  }
  const plans = new Map<OperationId, OperationPlan>()
  for (const operation of operations) {
    const operationId = operation.operationId as OperationId
    const headerParameters = headerParametersOf(operation)
    const takes = (name: string) => headerParameters.some((declared) => declared.key === name.toLowerCase())
    // openapi-backend's router has already put the document's global requirements here.
    const securityRequirements = (operation.security ?? []).map((requirement) => Object.keys(requirement))
    const secured = securityRequirements.length > 0
    const read = operation.method === 'get' ? undefined : reads.get(operation.path)
    const readBack: ReadBack | undefined =
      read && takes('If-Match') ? { handler: handlerOf(read.operationId as OperationId), response: responsesOf.get(read)?.get(200) ?? NO_RESPONSE } : undefined
    const offeredMediaTypes = successMediaTypes(operation)
    plans.set(operationId, {
      operationId,
      method: operation.method,
      path: operation.path,
      handler: handlerOf(operationId),
      securityRequirements,
      securitySchemes: [...new Set(securityRequirements.flat())],
      secured,
      headerParameters,
      integerParameters: integerParametersOf(operation),
      requestBody: requestBodyOf(operation),
      offeredMediaTypes,
      negotiation: new AcceptNegotiation(offeredMediaTypes),
      validate: validationOf(operation),
      responses: responsesOf.get(operation) ?? new Map(),
      readBack,
      idempotent: secured && takes('Idempotency-Key'),
    })
  }
  return plans
}
