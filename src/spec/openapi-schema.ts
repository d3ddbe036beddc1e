/**
 * The document checked against the OpenAPI 3.1 schema at start-up: openapi-backend's own
 * check uses the 3.0 schema, which rejects legal 3.1, so http/api.ts turns that one off
 * and this one takes its place. The validator is Ajv standalone code that
 * `npm run generate` (src/build/openapi-schema.ts) makes from the OpenAPI Initiative's
 * 3.1 schema with its Schema Object dialect, so schemas inside the document are checked
 * too; compiling that schema at start-up instead would take most of a second.
 */
import { createRequire } from 'node:module'
import type { ErrorObject } from 'ajv'

export const GENERATED_OPENAPI_SCHEMA = 'generated/openapi-schema.cjs'

interface StandaloneValidate {
  (data: unknown): boolean
  errors?: ErrorObject[] | null
}

class InvalidSpecError extends Error {}

export function assertOpenApi31(document: unknown): void {
  // require: Ajv's standalone code is CommonJS.
  const validate = createRequire(import.meta.url)(`../../${GENERATED_OPENAPI_SCHEMA}`) as StandaloneValidate
  if (validate(document)) return
  const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`)
  throw new InvalidSpecError(`openapi.yaml is not a valid OpenAPI 3.1 document: ${errors.join('; ')}`)
}
