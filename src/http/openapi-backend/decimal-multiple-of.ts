/**
 * JSON Schema's `multipleOf`, decided in decimal. Ajv divides binary floats, so for it
 * 0.07 is not a multiple of 0.01 (0.07 / 0.01 is 7.000000000000001). Here both numbers
 * are read as the shortest decimals that JavaScript prints for them, which is what the
 * client wrote: 0.07 passes and 0.071 fails, at any size.
 *
 * Part of the openapi-backend adapter (backend.ts lists every change; the test that
 * fails when an upgrade makes it unnecessary: test/http/openapi-backend-upgrade.test.ts).
 */
import { _, type Ajv, type Code, type KeywordCxt, str } from 'ajv'
import { Big } from 'big.js'

export function isDecimalMultiple(value: number, divisor: number): boolean {
  if (!Number.isFinite(value) || !Number.isFinite(divisor) || divisor <= 0) return false
  return new Big(value).mod(divisor).eq(0)
}

/**
 * Replaces Ajv's `multipleOf` with the decimal one. A code keyword (not a `validate` one)
 * so that Ajv's standalone code can hold it: `standalone` is the expression that names
 * {@link isDecimalMultiple} in generated code (precompiled-validators.ts).
 */
export function useDecimalMultipleOf<A extends Pick<Ajv, 'removeKeyword' | 'addKeyword'>>(ajv: A, standalone?: Code): A {
  ajv.removeKeyword('multipleOf')
  ajv.addKeyword({
    keyword: 'multipleOf',
    type: 'number',
    schemaType: 'number',
    error: {
      message: ({ schemaCode }) => str`must be a multiple of ${schemaCode}`,
      params: ({ schemaCode }) => _`{multipleOf: ${schemaCode}}`,
    },
    code(cxt: KeywordCxt) {
      const decide = cxt.gen.scopeValue('func', { ref: isDecimalMultiple, code: standalone })
      cxt.fail(_`!${decide}(${cxt.data}, ${cxt.schemaCode})`)
    },
  })
  return ajv
}
