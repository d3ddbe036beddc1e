/**
 * What openapi-backend's parameter coercion lets through but an API should not: Ajv's
 * `coerceTypes` turns `0x2`, `2e0`, `2.0`, ` 2` and `002` into the integer 2. Integer
 * parameters take plain decimal only, so every spelling of a number means one thing.
 */
import type { Context } from 'openapi-backend'
import { type FieldError, invalidParameters } from '../errors.js'

const PLAIN_INTEGER = /^-?(0|[1-9]\d*)$/

/** An integer schema, or one that allows an integer among other things (`anyOf`, `oneOf`). */
function takesInteger(schema: unknown): boolean {
  const { type, anyOf, oneOf } = (schema ?? {}) as { type?: unknown; anyOf?: unknown[]; oneOf?: unknown[] }
  if (type === 'integer' || (Array.isArray(type) && type.includes('integer'))) return true
  return [...(anyOf ?? []), ...(oneOf ?? [])].some(takesInteger)
}

export function assertPlainIntegers(context: Context): void {
  const errors: FieldError[] = []
  for (const parameter of context.operation.parameters ?? []) {
    if ('$ref' in parameter || !takesInteger(parameter.schema)) continue
    const source: Record<string, unknown> =
      parameter.in === 'path' ? context.request.params : parameter.in === 'query' ? context.request.query : {}
    const raw = source[parameter.name]
    // Only what Ajv would coerce to an integer; anything else its schema judges.
    if (typeof raw === 'string' && raw.trim() !== '' && Number.isInteger(Number(raw)) && !PLAIN_INTEGER.test(raw)) {
      errors.push({ parameter: parameter.name, detail: 'must be an integer in plain decimal notation' })
    }
  }
  if (errors.length > 0) throw invalidParameters(errors)
}
