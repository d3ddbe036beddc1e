/**
 * openapi-backend 5.21 as this service uses it: it lists the spec's operations (references
 * resolved, global security applied) and validates requests with its Ajv validators.
 * Everything this service changes about it lives in this folder, each with its reason and
 * a test that fails when an upgrade makes the change unnecessary or wrong
 * (test/http/openapi-backend-upgrade.test.ts):
 *
 * - the 3.1 meta-schema override ({@link OpenApi31Backend}, here);
 * - response validators built on first use, not at init (here);
 * - request validators precompiled at `npm run generate` (precompiled-validators.ts);
 * - its router serves operations but never routes (router.ts): the route table
 *   (http/route-table.ts) is the one router;
 * - its `validateRequest` replaced by the same validators over the parts already read,
 *   path parameters coerced by them (request-validation.ts);
 * - URIError on a malformed percent-escape in a path parameter is a 400 (path-parameters.ts);
 * - the request read once, since validation coerces its query in place (plain-request.ts);
 * - integer parameters in plain decimal only, where Ajv coerces `0x2` (plain-integers.ts);
 * - `multipleOf` decided in decimal, where Ajv divides binary floats (decimal-multiple-of.ts).
 */
import { OpenAPIBackend, OpenAPIValidator, type Operation } from 'openapi-backend'
import type { ApiSpec } from '../../spec/spec.js'
import { requestValidation, usePrecompiledRequestValidators } from './precompiled-validators.js'
import { compileRequestValidation, type RequestValidation } from './request-validation.js'
import { useCompiledRouter } from './router.js'

/**
 * openapi-backend 5.21 checks every document against the OpenAPI 3.0 meta-schema, which
 * rejects legal 3.1 (`type: [string, "null"]`) and so fails `init()` in strict mode. Our
 * document is checked against the 3.1 schema at start-up instead (spec/openapi-schema.ts).
 */
export class OpenApi31Backend extends OpenAPIBackend {
  override validateDefinition() {
    return this.document
  }
}

/**
 * openapi-backend precompiles a validator for every response and every response header of
 * every operation: most of its start-up (1.9 of 2.4 s here), though the server only
 * validates requests (the tests hold responses to the spec). `validateResponse` builds
 * the one it needs on first use instead (`getResponseValidatorForOperation`).
 */
OpenAPIValidator.prototype.preCompileResponseValidators = () => undefined
OpenAPIValidator.prototype.preCompileResponseHeaderValidators = () => undefined

/** What the HTTP layer takes from openapi-backend. */
export interface OpenApiOperations {
  /** Every operation of the spec, references resolved and the document's global security applied. */
  readonly operations: readonly Operation[]
  /** The request validation of one of them. */
  validationOf(operation: Operation): RequestValidation
}

/** openapi-backend, initialised with every change of this folder in place. */
export async function initOpenApiBackend(spec: ApiSpec): Promise<OpenApiOperations> {
  const backend = new OpenApi31Backend({
    definition: spec.document(),
    strict: true,
    validate: true,
    // coerceTypes, ajvOpts, customizeAjv: shared with the generator of the precompiled validators.
    ...requestValidation(),
  })
  await backend.init()
  const operations = useCompiledRouter(backend)
  usePrecompiledRequestValidators(backend.validator, spec.sha256)
  return { operations, validationOf: (operation) => compileRequestValidation(backend.validator, operation) }
}
