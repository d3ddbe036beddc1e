/**
 * Request validators compiled ahead of time. At init() openapi-backend compiles, with a
 * fresh Ajv instance each, a parameters validator and a body validator for every
 * operation: the largest part of start-up (29% of it here). `npm run generate`
 * (src/build/request-validators.ts) runs openapi-backend's own
 * `buildRequestValidatorsForOperation` with {@link requestValidation} and writes the
 * validators as Ajv standalone code to generated/request-validators.cjs; the server
 * loads that instead of compiling. Same schemas, same options, so the same answers
 * (test/http/precompiled-validators.test.ts holds them to freshly compiled ones).
 *
 * When the spec has changed since the file was made, the server compiles the validators
 * itself, as before, and warns (src/http/generated-module.ts).
 *
 * Part of the openapi-backend adapter (backend.ts lists every change; the test that
 * fails when an upgrade makes it unnecessary: test/http/openapi-backend-upgrade.test.ts).
 */
import { _, type Ajv, type Options as AjvOptions, Name, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import { OpenAPIValidator } from 'openapi-backend'
import { type GeneratedModule, loadGeneratedModule } from '../generated-module.js'
import { isDecimalMultiple, useDecimalMultipleOf } from './decimal-multiple-of.js'

export const GENERATED_REQUEST_VALIDATORS = 'generated/request-validators.cjs'

/** What the generated code calls that is not Ajv's: passed in by {@link usePrecompiledRequestValidators}. */
export interface StandaloneRuntime {
  readonly isDecimalMultiple: typeof isDecimalMultiple
}

/** The name the generated code gives the {@link StandaloneRuntime} it is handed. */
const RUNTIME = 'runtime'

/**
 * openapi-backend's validation options, shared by the server and the generator.
 * `standalone`: keep each validator's source (Ajv `code.source`), for the generator.
 */
export function requestValidation(standalone = false) {
  const ajvOpts: AjvOptions = {
    allErrors: true,
    useDefaults: true,
    // verbose: errors carry their schema, so `not` can say what is not allowed.
    verbose: true,
    ...(standalone ? { code: { source: true, lines: true } } : {}),
  }
  return {
    coerceTypes: true,
    ajvOpts,
    customizeAjv: (ajv: Ajv) => {
      addFormats.default(ajv)
      return useDecimalMultipleOf(ajv, standalone ? _`${new Name(RUNTIME)}.isDecimalMultiple` : undefined)
    },
  }
}

export interface GeneratedRequestValidators extends GeneratedModule {
  requestValidators(runtime: StandaloneRuntime): Record<string, ValidateFunction[]>
}

const compileAll = OpenAPIValidator.prototype.preCompileRequestValidators
/** init() no longer compiles them: {@link usePrecompiledRequestValidators} provides them after it. */
OpenAPIValidator.prototype.preCompileRequestValidators = () => undefined

/**
 * Gives `validator` (after openapi-backend's init) its request validators: the generated
 * ones when they were made from `specSha256`, else compiled now, as openapi-backend does.
 */
export function usePrecompiledRequestValidators(validator: OpenAPIValidator, specSha256: string): 'generated' | 'compiled' {
  const generated = loadGeneratedModule<GeneratedRequestValidators>(GENERATED_REQUEST_VALIDATORS, specSha256, 'compiling the request validators at start-up')
  if (!generated) {
    compileAll.call(validator)
    return 'compiled'
  }
  const validators = generated.requestValidators({ isDecimalMultiple })
  for (const operation of validator.router.getOperations()) {
    const found = validators[operation.operationId ?? '']
    if (!found) throw new Error(`${GENERATED_REQUEST_VALIDATORS} has no validators for ${operation.operationId}`)
    validator.requestValidators[operation.operationId ?? ''] = found
  }
  return 'generated'
}
