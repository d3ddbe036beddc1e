/**
 * The request path of every operation, in the order openapi-backend's strict mode runs
 * it: route (404, 405, only here; OPTIONS answered here with `Allow`), negotiate (406), check integer spellings, authenticate (401,
 * 429), read the body, validate (400, 422), run the handler. A request that fails a step
 * never reaches a handler, and every failure is a domain error.
 *
 * Routing is the RouteTable's (http/route-table.ts); openapi-backend validates, with its
 * Ajv validators precompiled at `npm run generate` (http/openapi-backend/); its `handleRequest`,
 * which re-parses the request four times and re-reads the operation's security,
 * parameters and responses from the document on every call, is replaced by this
 * straight line over the per-operation plans (http/operation-plan.ts).
 */
import type { Handlers, OperationId } from '../core/operations.js'
import { MethodNotAllowedError, NotAcceptableError, noSuchRoute } from '../errors.js'
import { authenticate, createSecurityHandlers } from './auth.js'
import { readRequestBody } from './body.js'
import type { HttpExchange } from './exchange.js'
import type { HttpDeps } from './http-deps.js'
import { initOpenApiBackend } from './openapi-backend/backend.js'
import { pathParametersOf } from './openapi-backend/path-parameters.js'
import { assertPlainIntegers } from './openapi-backend/plain-integers.js'
import type { RequestParts } from './openapi-backend/request-validation.js'
import { compileOperationPlans, type OperationPlan } from './operation-plan.js'
import { noteRoute, noteUser } from './request-log.js'
import { createResponseSerializers, type Serialize } from './response-serializers.js'
import { RouteTable } from './route-table.js'
import { runOperation } from './run-operation.js'
import { toValidationProblem } from './validation.js'

export interface Api {
  handle(exchange: HttpExchange): Promise<void>
  /** The methods the spec has for `path` (with HEAD where it has GET, and OPTIONS); none for an unknown path. */
  allowedMethods(path: string): readonly string[]
  /** Every operation's plan: what the spec fixes about it. */
  readonly plans: ReadonlyMap<OperationId, OperationPlan>
  /** Writes a problem body from the spec's `Problem` schema. */
  readonly serializeProblem: Serialize
}

export async function createApi(deps: HttpDeps, handlers: Handlers): Promise<Api> {
  const { operations, validationOf } = await initOpenApiBackend(deps.spec)
  const serializers = createResponseSerializers(deps.spec)
  const plans = compileOperationPlans({ operations, handlers, serializers, validationOf })
  /** Matches a request straight to its operation's plan. */
  const routes = new RouteTable(plans.values())
  const securityHandlers = createSecurityHandlers(deps)
  const bodyTimeoutMs = deps.config.bodyTimeoutSeconds * 1000

  /** Authenticates, applies the request limit and reads the body: all that needs to know who asks. */
  async function admit(plan: OperationPlan, exchange: HttpExchange) {
    const { authorized, principal, failure } = await authenticate(plan, exchange, securityHandlers)
    if (!authorized) throw failure()
    if (principal) {
      noteUser(exchange.req, principal.userId)
      if (deps.requestLimit) exchange.res.set(await deps.requestLimit.take(principal.userId))
    }
    const body = await readRequestBody(exchange.req, plan.requestBody, bodyTimeoutMs)
    return { principal, body }
  }

  /** Validates the request (path parameters as decoded) and returns its coerced parameters. */
  function validate(plan: OperationPlan, parts: RequestParts) {
    const { errors, params, query } = plan.validate(parts)
    if (errors)
      throw toValidationProblem(
        errors,
        plan.headerParameters.map((header) => header.name),
      )
    return { params, query }
  }

  return {
    allowedMethods: (path) => routes.allowedMethods(path),
    plans,
    serializeProblem: serializers.problem,
    handle: async (exchange) => {
      const { request, req } = exchange
      // The table takes the path with or without trailing slashes.
      const match = routes.match(request.method, request.path)
      const { operation: plan, route } = match
      if (!route) throw noSuchRoute()
      if (request.method === 'OPTIONS') {
        exchange.res.setHeader('Allow', route.allowed.join(', '))
        exchange.res.statusCode = 204
        exchange.res.end()
        return
      }
      if (!plan) throw new MethodNotAllowedError(req.method, route.allowed)
      const params = pathParametersOf(routes, match)
      noteRoute(req, plan.path)
      // Problems are sent whatever Accept says; only success bodies are negotiated.
      if (!plan.negotiation.acceptable(req)) {
        throw new NotAcceptableError(`This resource is available as ${plan.offeredMediaTypes.join(', ')} only.`)
      }
      assertPlainIntegers(plan.integerParameters, params, request.query)
      const { principal, body } = await admit(plan, exchange)
      const coerced = validate(plan, { params, query: request.query, headers: req.headers, body })
      await runOperation(plan, exchange, { params: coerced.params, query: coerced.query, body, principal }, deps)
    },
  }
}
