/**
 * The validation http/api.ts runs (compileRequestValidation, over the parts it has already
 * read) answers as openapi-backend's own `validateRequest` does on the same request: same
 * errors, same coerced parameters. When an upgrade of openapi-backend changes what its
 * validateRequest does, this fails, and the adapter is brought in line or dropped.
 */
import { join } from 'node:path'
import fc from 'fast-check'
import type { Operation, Request } from 'openapi-backend'
import type { OpenAPIV3_1 } from 'openapi-types'
import { describe, expect, it } from 'vitest'
import { OpenApi31Backend } from '../../src/http/openapi-backend/backend.js'
import { requestValidation, usePrecompiledRequestValidators } from '../../src/http/openapi-backend/precompiled-validators.js'
import { compileRequestValidation } from '../../src/http/openapi-backend/request-validation.js'
import { useCompiledRouter } from '../../src/http/openapi-backend/router.js'
import { loadSpec } from '../../src/spec/spec.js'
import { invalidValue, validValue } from '../support/arbitraries.js'

const root = join(import.meta.dirname, '../..')

async function initialised() {
  const spec = loadSpec(root)
  const backend = new OpenApi31Backend({ definition: spec.document(), strict: true, validate: true, ...requestValidation() })
  await backend.init()
  useCompiledRouter(backend)
  usePrecompiledRequestValidators(backend.validator, spec.sha256)
  return backend
}

type Parameter = OpenAPIV3_1.ParameterObject

function parametersIn(operation: Operation, where: string): Parameter[] {
  return ((operation.parameters ?? []) as Parameter[]).filter((parameter) => parameter.in === where)
}

/** Values as they arrive in a URL or a header: text. */
function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

function sampled(parameter: Parameter, seed: number): string[] {
  const broken = invalidValue(parameter.schema)
  return [
    ...fc.sample(validValue(parameter.schema), { numRuns: 4, seed }).map(asText),
    ...(broken ? fc.sample(broken, { numRuns: 3, seed }).map((b) => asText(b.value)) : []),
  ]
}

interface Sample {
  readonly path: Record<string, string>
  readonly query: Record<string, unknown>
  readonly headers: Record<string, string>
  readonly body?: unknown
}

/** Requests for `operation`: each parameter in turn given sampled good and bad values, then bodies. */
function samples(operation: Operation, seed: number): Sample[] {
  const path = Object.fromEntries(parametersIn(operation, 'path').map((p) => [p.name, '7']))
  const base: Sample = { path, query: {}, headers: { host: 'example.test' } }
  const out: Sample[] = [base, { ...base, query: { unknown: '1' } }]
  for (const p of parametersIn(operation, 'path')) {
    for (const value of [...sampled(p, seed), '0', '-3', 'x']) out.push({ ...base, path: { ...path, [p.name]: value } })
  }
  for (const p of parametersIn(operation, 'query')) for (const value of sampled(p, seed)) out.push({ ...base, query: { [p.name]: value } })
  for (const p of parametersIn(operation, 'header')) {
    for (const value of sampled(p, seed)) out.push({ ...base, headers: { ...base.headers, [p.name.toLowerCase()]: value } })
  }
  const content = (operation.requestBody as OpenAPIV3_1.RequestBodyObject | undefined)?.content ?? {}
  const schema = content['application/json']?.schema
  if (schema) {
    const broken = invalidValue(schema)
    const bodies = [
      ...fc.sample(validValue(schema), { numRuns: 10, seed }),
      ...(broken ? fc.sample(broken, { numRuns: 10, seed }).map((b) => b.value) : []),
      {},
      null,
      [],
      7,
    ]
    // Not text: openapi-backend parses a text body as JSON again, where http/body.ts has
    // parsed it once already (a JSON string is validated as the string it is: below).
    for (const body of bodies.filter((b) => typeof b !== 'string')) out.push({ ...base, headers: { ...base.headers, 'content-type': 'application/json' }, body })
  }
  return out
}

function concretePath(template: string, values: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_whole, name: string) => encodeURIComponent(values[name] ?? ''))
}

describe('request validation over the parts already read', async () => {
  const backend = await initialised()
  const operations = backend.router.getOperations()

  it.each(operations.map((o, i) => [o.operationId, o, i] as const))('%s: answers as openapi-backend validateRequest does', (_id, operation, i) => {
    const validate = compileRequestValidation(backend.validator, operation)
    for (const sample of samples(operation, 2000 + i)) {
      const request: Request = {
        method: operation.method,
        path: concretePath(operation.path, sample.path),
        query: structuredClone(sample.query) as Request['query'],
        headers: sample.headers,
        body: structuredClone(sample.body),
      }
      const theirs = backend.validator.validateRequest(request, operation)
      const ours = validate({ params: { ...sample.path }, query: structuredClone(sample.query), headers: sample.headers, body: structuredClone(sample.body) })
      expect(ours.errors ?? null, JSON.stringify(sample)).toEqual(theirs.errors ?? null)
      if (ours.errors === null) {
        const coerced = theirs.coerced as { params?: unknown; query?: unknown }
        expect(ours.params).toEqual(coerced.params ?? {})
        expect({ ...ours.query }).toEqual({ ...(coerced.query as object) })
      }
    }
  })

  it('keeps a query parameter named __proto__ a parameter, refused as unknown', () => {
    const listTasks = operations.find((o) => o.operationId === 'listTasks') as Operation
    // As Express's query parser (node:querystring) makes it: an own property of a prototype-less object.
    const query: Record<string, unknown> = Object.create(null)
    // biome-ignore lint/suspicious/noProto: the request sends a __proto__ query parameter, as Express parses it
    query.__proto__ = 'x'
    const { errors } = compileRequestValidation(backend.validator, listTasks)({ params: {}, query, headers: {}, body: undefined })
    expect(errors?.map((e) => [e.keyword, e.params])).toEqual([['additionalProperties', { additionalProperty: '__proto__' }]])
  })

  it('validates a JSON scalar body as the value it is (the body was parsed on reading)', () => {
    const createTask = operations.find((o) => o.operationId === 'createTask') as Operation
    const { errors } = compileRequestValidation(backend.validator, createTask)({ params: {}, query: {}, headers: {}, body: 'a title' })
    expect(errors?.map((e) => [e.instancePath, e.keyword])).toEqual([['/requestBody', 'type']])
  })
})
