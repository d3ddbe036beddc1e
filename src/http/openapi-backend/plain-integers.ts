/**
 * Integer parameters in plain decimal only: what openapi-backend's parameter coercion
 * (Ajv's `coerceTypes`) lets through but an API should not. Part of the adapter
 * (backend.ts lists every change).
 */
import { type FieldError, invalidParameters } from '../../errors.js'

/** An integer parameter: Ajv would coerce `0x2` to 2, so its raw spelling is checked. */
export interface IntegerParameter {
  readonly name: string
  readonly in: 'path' | 'query'
}

const PLAIN_INTEGER = /^-?(0|[1-9]\d*)$/

/**
 * What openapi-backend's parameter coercion lets through but an API should not: Ajv's
 * `coerceTypes` turns `0x2`, `2e0`, `2.0`, ` 2` and `002` into the integer 2. Integer
 * parameters take plain decimal only, so every spelling of a number means one thing.
 * Checks the raw (not yet coerced) path and query values of `parameters`.
 */
export function assertPlainIntegers(parameters: readonly IntegerParameter[], path: Readonly<Record<string, unknown>>, query: Readonly<Record<string, unknown>>): void {
  let errors: FieldError[] | undefined
  for (const parameter of parameters) {
    const value = (parameter.in === 'path' ? path : query)[parameter.name]
    // Only what Ajv would coerce to an integer; anything else its schema judges.
    if (typeof value === 'string' && value.trim() !== '' && Number.isInteger(Number(value)) && !PLAIN_INTEGER.test(value)) {
      errors ??= []
      errors.push({ parameter: parameter.name, detail: 'must be an integer in plain decimal notation' })
    }
  }
  if (errors) throw invalidParameters(errors)
}
