/**
 * JSON Schema's `multipleOf`, decided in decimal. Ajv divides binary floats, so for it
 * 0.07 is not a multiple of 0.01 (0.07 / 0.01 is 7.000000000000001). Here both numbers
 * are read as the shortest decimals that JavaScript prints for them, which is what the
 * client wrote: 0.07 passes and 0.071 fails, at any size.
 */
import type { Ajv } from 'ajv'
import { Big } from 'big.js'

export function isDecimalMultiple(value: number, divisor: number): boolean {
  if (!Number.isFinite(value) || !Number.isFinite(divisor) || divisor <= 0) return false
  return new Big(value).mod(divisor).eq(0)
}

/** Replaces Ajv's `multipleOf` with the decimal one. */
export function useDecimalMultipleOf<A extends Pick<Ajv, 'removeKeyword' | 'addKeyword'>>(ajv: A): A {
  ajv.removeKeyword('multipleOf')
  ajv.addKeyword({
    keyword: 'multipleOf',
    type: 'number',
    schemaType: 'number',
    errors: true,
    validate: function validate(this: unknown, divisor: number, value: number) {
      const ok = isDecimalMultiple(value, divisor)
      if (!ok) {
        ;(validate as { errors?: unknown[] }).errors = [
          { keyword: 'multipleOf', message: `must be a multiple of ${divisor}`, params: { multipleOf: divisor } },
        ]
      }
      return ok
    },
  })
  return ajv
}
