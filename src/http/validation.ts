/**
 * Turns openapi-backend's (Ajv's) validation errors into problems: a bad path or query
 * parameter, or unparseable input, is a 400; a body that parses but breaks its schema is
 * a 422 with one entry per field, each a JSON Pointer into the body.
 */
import type { ErrorObject } from 'ajv'
import { type BadRequestError, type FieldError, invalidFields, invalidParameters, type ValidationError } from '../errors.js'

function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1')
}

function describe(error: ErrorObject): { path: string; detail: string } {
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'required':
      if (params.missingProperty === 'requestBody') return { path: '/requestBody', detail: 'a request body is required' }
      return { path: `${error.instancePath}/${escapePointerToken(String(params.missingProperty))}`, detail: 'is required' }
    case 'additionalProperties':
      return {
        path: `${error.instancePath}/${escapePointerToken(String(params.additionalProperty))}`,
        detail: error.instancePath.startsWith('/requestBody') ? 'is not a field of this resource' : 'is not a parameter of this operation',
      }
    case 'pattern':
      return { path: error.instancePath, detail: params.pattern === '\\S' ? 'must not be blank' : `must match ${String(params.pattern)}` }
    case 'not': {
      const forbidden = (error.schema as { const?: unknown } | undefined)?.const
      return { path: error.instancePath, detail: forbidden === undefined ? 'is not allowed' : `must not be ${JSON.stringify(forbidden)}` }
    }
    default:
      return { path: error.instancePath, detail: error.message ?? 'is invalid' }
  }
}

/**
 * `headerNames`: the operation's header parameters as the spec spells them; Ajv only
 * knows their lower-cased form.
 */
export function toValidationProblem(errors: readonly ErrorObject[], headerNames: readonly string[] = []): BadRequestError | ValidationError {
  const parameterErrors: FieldError[] = []
  const bodyErrors: FieldError[] = []
  for (const error of errors) {
    const { path, detail } = describe(error)
    const [, where, name, ...rest] = path.split('/')
    if (where === 'requestBody') {
      bodyErrors.push({ pointer: ['', ...[name, ...rest].filter((t) => t !== undefined)].join('/'), detail })
    } else if (where === 'header') {
      parameterErrors.push({ parameter: headerNames.find((h) => h.toLowerCase() === name) ?? name ?? where, detail })
    } else if (where === 'query' || where === 'path') {
      parameterErrors.push({ parameter: name ?? where, detail })
    } else {
      parameterErrors.push({ detail: error.message ?? 'is invalid' })
    }
  }
  return parameterErrors.length > 0 ? invalidParameters(parameterErrors) : invalidFields(bodyErrors)
}
