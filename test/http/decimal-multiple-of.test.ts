/**
 * `multipleOf` decided in decimal: 0.07 is a multiple of 0.01, as the client wrote it,
 * although 0.07 / 0.01 is 7.000000000000001 in binary floating point.
 */
import { Ajv2020 } from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import { isDecimalMultiple, useDecimalMultipleOf } from '../../src/http/openapi-backend/decimal-multiple-of.js'

const VALID_CENTS = [0.07, 0.1, 0.2, 0.3, 999_999_999.99, 1e9, -12.5]
const INVALID_CENTS = [0.071, 0.001, 1e-7, 0.30000000000000004]

describe('isDecimalMultiple', () => {
  it.each([...VALID_CENTS, 0, 0.01, 0.29, 0.57, 4.35, -0.07, 9_999_999_999_999.99, 1e21])('%d is a multiple of 0.01', (value) => {
    expect(isDecimalMultiple(value, 0.01)).toBe(true)
  })

  it.each([...INVALID_CENTS, 0.015, 1.005, -0.071, 999_999_999.991])('%d is not a multiple of 0.01', (value) => {
    expect(isDecimalMultiple(value, 0.01)).toBe(false)
  })

  it('decides where binary division does not: 0.07 and 0.3 against 0.01 and 0.1', () => {
    expect((0.07 / 0.01) % 1).not.toBe(0)
    expect((0.3 / 0.1) % 1).not.toBe(0)
    expect(isDecimalMultiple(0.07, 0.01)).toBe(true)
    expect(isDecimalMultiple(0.3, 0.1)).toBe(true)
  })

  it('works for other divisors: 0.5, 2.5, 3, 0.25', () => {
    expect(isDecimalMultiple(2.5, 0.5)).toBe(true)
    expect(isDecimalMultiple(2.25, 0.5)).toBe(false)
    expect(isDecimalMultiple(10, 2.5)).toBe(true)
    expect(isDecimalMultiple(11, 2.5)).toBe(false)
    expect(isDecimalMultiple(9, 3)).toBe(true)
    expect(isDecimalMultiple(10, 3)).toBe(false)
    expect(isDecimalMultiple(0.75, 0.25)).toBe(true)
    expect(isDecimalMultiple(0.8, 0.25)).toBe(false)
  })

  it('is false for NaN and the infinities, and for a divisor that is not positive and finite', () => {
    expect(isDecimalMultiple(Number.NaN, 0.01)).toBe(false)
    expect(isDecimalMultiple(Number.POSITIVE_INFINITY, 0.01)).toBe(false)
    expect(isDecimalMultiple(Number.NEGATIVE_INFINITY, 0.01)).toBe(false)
    expect(isDecimalMultiple(1, 0)).toBe(false)
    expect(isDecimalMultiple(1, -0.01)).toBe(false)
    expect(isDecimalMultiple(1, Number.NaN)).toBe(false)
    expect(isDecimalMultiple(1, Number.POSITIVE_INFINITY)).toBe(false)
  })
})

describe('useDecimalMultipleOf on Ajv (draft 2020-12)', () => {
  const schema = { type: 'number', multipleOf: 0.01 }

  function decimalAjv(options: { strictTypes?: boolean } = {}): Ajv2020 {
    return useDecimalMultipleOf(new Ajv2020({ allErrors: true, ...options }))
  }

  it('stock Ajv gets it wrong: 0.07 is not a multiple of 0.01 for it (why the keyword is replaced)', () => {
    const validate = new Ajv2020().compile(schema)
    expect(validate(0.07)).toBe(false)
    expect(validate.errors?.[0]?.keyword).toBe('multipleOf')
  })

  it('returns the instance it was given', () => {
    const ajv = new Ajv2020()
    expect(useDecimalMultipleOf(ajv)).toBe(ajv)
  })

  it.each(VALID_CENTS)('%d is valid', (value) => {
    const validate = decimalAjv().compile(schema)
    expect(validate(value)).toBe(true)
    expect(validate.errors ?? null).toBeNull()
  })

  it.each(INVALID_CENTS)('%d is invalid, with the keyword multipleOf', (value) => {
    const validate = decimalAjv().compile(schema)
    expect(validate(value)).toBe(false)
    expect(validate.errors).toHaveLength(1)
    expect(validate.errors?.[0]).toMatchObject({ keyword: 'multipleOf', instancePath: '', params: { multipleOf: 0.01 } })
    expect(validate.errors?.[0]?.message).toBe('must be a multiple of 0.01')
  })

  it('reports the field that breaks it inside an object, beside other errors', () => {
    const validate = decimalAjv().compile({
      type: 'object',
      properties: { amount: { type: 'number', multipleOf: 0.01, maximum: 10 } },
    })
    expect(validate({ amount: 0.07 })).toBe(true)
    expect(validate({ amount: 10.001 })).toBe(false)
    expect((validate.errors ?? []).map((e) => [e.instancePath, e.keyword]).sort()).toEqual([
      ['/amount', 'maximum'],
      ['/amount', 'multipleOf'],
    ])
  })

  it('applies to numbers only: a string is left to `type`', () => {
    const validate = decimalAjv({ strictTypes: false }).compile({ multipleOf: 0.01 })
    expect(validate('0.071')).toBe(true)
    const typed = decimalAjv().compile(schema)
    expect(typed('0.07')).toBe(false)
    expect(typed.errors?.map((e) => e.keyword)).toEqual(['type'])
  })

  it('takes a number as its schema value, nothing else', () => {
    expect(() => decimalAjv().compile({ type: 'number', multipleOf: '0.01' })).toThrow()
  })
})
