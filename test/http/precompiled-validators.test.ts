/**
 * The request validators in generated/request-validators.cjs answer exactly as the ones
 * openapi-backend compiles at init() would: same verdict, same errors, same coercions
 * and defaults applied, on valid, broken and arbitrary input for every operation.
 */
import { join } from 'node:path'
import type { ValidateFunction } from 'ajv'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { OpenApi31Backend } from '../../src/http/openapi-backend/backend.js'
import { requestValidation, usePrecompiledRequestValidators } from '../../src/http/openapi-backend/precompiled-validators.js'
import { loadSpec } from '../../src/spec/spec.js'
import { invalidValue, validValue } from '../support/arbitraries.js'

const root = join(import.meta.dirname, '../..')

async function initialised() {
  const spec = loadSpec(root)
  const api = new OpenApi31Backend({ definition: spec.document(), strict: true, validate: true, ...requestValidation() })
  await api.init()
  return { spec, api }
}

/** Path, query and header values arrive as strings; the params validator coerces them. */
function asStrings(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value).map(([where, params]) => [
      where,
      params && typeof params === 'object' ? Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'object' ? v : String(v)])) : params,
    ]),
  )
}

function samples(schema: unknown, seed: number): unknown[] {
  const valid = fc.sample(validValue(schema), { numRuns: 40, seed })
  const broken = invalidValue(schema)
  return [
    ...valid,
    ...valid.map(asStrings),
    ...(broken ? fc.sample(broken, { numRuns: 40, seed }).map((b) => b.value) : []),
    ...fc.sample(fc.anything(), { numRuns: 20, seed }),
    {},
    undefined,
  ]
}

function expectSameAnswers(precompiled: ValidateFunction, fresh: ValidateFunction, inputs: readonly unknown[]) {
  for (const input of inputs) {
    const a = structuredClone(input)
    const b = structuredClone(input)
    expect(precompiled(a)).toBe(fresh(b))
    expect(precompiled.errors ?? null).toEqual(fresh.errors ?? null)
    expect(a).toEqual(b)
  }
}

describe('precompiled request validators', async () => {
  const { spec, api } = await initialised()
  const operations = api.router.getOperations()
  expect(usePrecompiledRequestValidators(api.validator, spec.sha256)).toBe('generated')

  it('cover every operation', () => {
    expect(operations.length).toBeGreaterThan(20)
    for (const operation of operations) expect(api.validator.requestValidators[operation.operationId ?? '']?.length).toBeGreaterThan(0)
  })

  it.each(operations.map((o, i) => [o.operationId, o, i] as const))('%s: answer as freshly compiled ones', (_id, operation, i) => {
    const precompiled = api.validator.requestValidators[operation.operationId ?? ''] ?? []
    const fresh = api.validator.buildRequestValidatorsForOperation(operation) ?? []
    expect(precompiled).toHaveLength(fresh.length)
    for (const [n, validate] of fresh.entries()) {
      const other = precompiled[n]
      if (!other) throw new Error('missing validator')
      expectSameAnswers(other, validate, samples(validate.schema, 1000 + i))
    }
  })
})

describe('when openapi.yaml changed since `npm run generate`', () => {
  afterEach(() => vi.restoreAllMocks())

  it('compiles the validators at start-up instead, and warns', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    const { api } = await initialised()
    expect(usePrecompiledRequestValidators(api.validator, 'another spec')).toBe('compiled')
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('npm run generate'))
    const createTask = api.validator.requestValidators.createTask
    expect(createTask?.length).toBe(2)
    expect(createTask?.[0]?.({ requestBody: { title: '' } })).toBe(false)
  }, 30_000)

  it('warns about nothing when generated/ is current', async () => {
    const warn = vi.spyOn(process, 'emitWarning')
    const { spec, api } = await initialised()
    usePrecompiledRequestValidators(api.validator, spec.sha256)
    expect(warn).not.toHaveBeenCalled()
  }, 30_000)
})
