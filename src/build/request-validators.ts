/**
 * generated/request-validators.cjs: openapi-backend's request validators for every
 * operation of the spec, as Ajv standalone code (why: src/http/openapi-backend/precompiled-validators.ts).
 * Built by openapi-backend itself, from the document it dereferences the way the server
 * does and with the server's options, so the schemas are the same by construction.
 */
import { Ajv } from 'ajv'
import standaloneCode from 'ajv/dist/standalone/index.js'
import type { OpenAPIV3_1 } from 'openapi-types'
import { OpenApi31Backend } from '../http/openapi-backend/backend.js'
import { requestValidation } from '../http/openapi-backend/precompiled-validators.js'
import { scopedModule, standaloneModule } from './standalone-module.js'

/** `document` is dereferenced in place, as openapi-backend does: pass a copy. */
export async function requestValidatorsModule(document: OpenAPIV3_1.Document, sha256: string): Promise<string> {
  const options = requestValidation(true)
  const api = new OpenApi31Backend({ definition: document, strict: true, validate: true, ...options })
  await api.init()
  // Only the code options matter here: standaloneCode reads each function's own scope.
  const emitter = new Ajv(options.ajvOpts)
  const entries = api.router.getOperations().map((operation) => {
    const validators = api.validator.buildRequestValidatorsForOperation(operation) ?? []
    const functions = validators.map((v) => scopedModule(standaloneCode.default(emitter, v)))
    return [operation.operationId ?? '', `[\n${functions.join(',\n')}\n]`] as const
  })
  return standaloneModule({
    generator: 'src/build/request-validators.ts',
    description: "openapi-backend's request validators for every operation, as Ajv standalone code.",
    sha256,
    exported: 'requestValidators(runtime)',
    entries,
  })
}
