import type { ErrorObject } from 'ajv'
import { describe, expect, it } from 'vitest'
import { BadRequestError, ValidationError } from '../../src/errors.js'
import { toValidationProblem } from '../../src/http/validation.js'

function ajvError(instancePath: string, keyword: string, params: Record<string, unknown>, message: string): ErrorObject {
  return { instancePath, keyword, params, message, schemaPath: '#' }
}

describe('toValidationProblem', () => {
  it('makes body errors a 422 with one JSON Pointer per field', () => {
    const problem = toValidationProblem([
      ajvError('/requestBody/title', 'minLength', { limit: 1 }, 'must NOT have fewer than 1 characters'),
      ajvError('/requestBody/title', 'pattern', { pattern: '\\S' }, 'must match pattern "\\S"'),
      ajvError('/requestBody', 'additionalProperties', { additionalProperty: 'a/b~c' }, 'must NOT have additional properties'),
      ajvError('/requestBody', 'required', { missingProperty: 'email' }, "must have required property 'email'"),
    ])
    expect(problem).toBeInstanceOf(ValidationError)
    expect(problem.message).toBe('3 fields are invalid')
    expect(problem.errors).toEqual([
      { pointer: '/title', detail: 'must NOT have fewer than 1 characters' },
      { pointer: '/a~1b~0c', detail: 'is not a field of this resource' },
      { pointer: '/email', detail: 'is required' },
    ])
  })

  it('points at the whole body when it is missing or not an object', () => {
    expect(toValidationProblem([ajvError('', 'required', { missingProperty: 'requestBody' }, '')]).errors).toEqual([
      { pointer: '', detail: 'a request body is required' },
    ])
    expect(toValidationProblem([ajvError('/requestBody', 'type', { type: 'object' }, 'must be object')]).errors).toEqual([{ pointer: '', detail: 'must be object' }])
  })

  it('makes any parameter error a 400 naming the parameter', () => {
    const problem = toValidationProblem([
      ajvError('/query/per_page', 'maximum', { limit: 100 }, 'must be <= 100'),
      ajvError('/path/taskId', 'type', { type: 'integer' }, 'must be integer'),
      ajvError('/query', 'additionalProperties', { additionalProperty: 'sort_by' }, ''),
    ])
    expect(problem).toBeInstanceOf(BadRequestError)
    expect(problem.errors).toEqual([
      { parameter: 'per_page', detail: 'must be <= 100' },
      { parameter: 'taskId', detail: 'must be integer' },
      { parameter: 'sort_by', detail: 'is not a parameter of this operation' },
    ])
  })
})
