/**
 * The arbitraries the fuzzer is built on, checked against an Ajv of their own (2020-12,
 * ajv-formats, multipleOf decided in decimal as the server does): valid values validate,
 * invalid ones do not (or are not text at all), on every request schema of the spec and
 * on small schemas for each keyword.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { useDecimalMultipleOf } from '../../src/http/openapi-backend/decimal-multiple-of.js'
import { invalidValue, validValue } from './arbitraries.js'
import { Contract } from './contract.js'
import { asParsedJson, isWellFormedText, JsonLiteral, toJsonText } from './json-text.js'

const document = new Contract().document
const DOCUMENT_ID = 'https://achiever.test/arbitraries.json'
const ajv = new Ajv2020({ strict: false, allErrors: true })
addFormats.default(ajv)
useDecimalMultipleOf(ajv)
ajv.addSchema({ ...document, $id: DOCUMENT_ID })

const RUNS = 150

/** Every schema a request carries (parameters and bodies), by JSON Pointer. */
function* requestSchemas(node: unknown, pointer = ''): Generator<string> {
  if (Array.isArray(node)) {
    for (const [i, child] of node.entries()) yield* requestSchemas(child, `${pointer}/${i}`)
  } else if (node && typeof node === 'object') {
    for (const [key, child] of Object.entries(node)) {
      const at = `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`
      if (key === 'schema' && /\/(requestBodies|requestBody|parameters)\//.test(at)) yield at
      else yield* requestSchemas(child, at)
    }
  }
}

function pointed(pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((at, key) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined), document)
}

function expectValidity(validate: ValidateFunction, schema: unknown, root?: object): void {
  fc.assert(
    fc.property(validValue(schema, { root }), (value) => {
      if (!validate(asParsedJson(value))) throw new Error(`${toJsonText(value)}: ${ajv.errorsText(validate.errors)}`)
    }),
    { seed: 1, numRuns: RUNS },
  )
  const invalid = invalidValue(schema, { root })
  if (!invalid) return
  fc.assert(
    fc.property(invalid, ({ value, why }) => {
      if (validate(asParsedJson(value)) && isWellFormedText(value)) throw new Error(`passes the schema, though ${why}`)
    }),
    { seed: 1, numRuns: RUNS },
  )
}

describe('validValue and invalidValue, on every request schema of the spec', () => {
  const pointers = [...new Set(requestSchemas(document))]

  it('finds the request schemas', () => {
    expect(pointers.length).toBeGreaterThan(10)
  })

  it.each(pointers)('%s', (pointer) => {
    expectValidity(ajv.compile({ $ref: `${DOCUMENT_ID}#${pointer}` }), pointed(pointer), document)
  })
})

const KEYWORDS: Record<string, object> = {
  const: { const: 'ok' },
  enum: { type: 'string', enum: ['created_at', '-created_at', 'title'] },
  'anyOf of integer and a const string': {
    anyOf: [
      { type: 'integer', minimum: 1, maximum: 9007199254740991 },
      { type: 'string', const: 'null' },
    ],
  },
  'type array with null': { type: ['integer', 'null'], minimum: 1, maximum: 100 },
  'not const 0 with multipleOf 0.01': { type: 'number', minimum: -1000000000, maximum: 1000000000, multipleOf: 0.01, not: { const: 0 } },
  'exclusiveMinimum 0': { type: 'number', exclusiveMinimum: 0, maximum: 1000000000, multipleOf: 0.01 },
  'anchored pattern': { type: 'string', minLength: 3, maxLength: 32, pattern: '^[a-z0-9_-]+$' },
  'unanchored pattern': { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
  'date-time or null': { type: ['string', 'null'], format: 'date-time' },
  email: { type: 'string', format: 'email', maxLength: 254 },
  uri: { type: 'string', format: 'uri' },
  boolean: { type: 'boolean' },
  'closed object': {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: { name: { type: 'string', minLength: 1 }, size: { type: 'integer', minimum: 0, maximum: 10 }, secret: { type: 'string', writeOnly: true } },
  },
  array: { type: 'array', items: { type: 'integer', minimum: 0 }, maxItems: 3 },
}

describe('validValue and invalidValue, keyword by keyword', () => {
  it.each(Object.entries(KEYWORDS))('%s', (_name, schema) => {
    expectValidity(ajv.compile(schema), schema)
  })
})

describe('validValue', () => {
  it('writes amounts with multipleOf 0.01 as cents / 100: at most two decimals', () => {
    const amounts = fc.sample(validValue(KEYWORDS['not const 0 with multipleOf 0.01']), { seed: 2, numRuns: 2000 })
    for (const amount of amounts) expect(String(amount)).toMatch(/^-?\d+(\.\d{1,2})?$/)
    expect(amounts.some((a) => Math.abs(Number(a)) < 1)).toBe(true)
  })

  it('makes date-times RFC 3339 in UTC, years 0000 to 9999', () => {
    for (const t of fc.sample(validValue({ type: 'string', format: 'date-time' }), { seed: 3, numRuns: 500 })) {
      expect(t).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/)
    }
  })

  it('never sends a readOnly property, and uses overrides for rule-bound ones', () => {
    const schema = {
      type: 'object',
      required: ['id', 'name'],
      properties: { id: { type: 'integer', readOnly: true }, name: { type: 'string' }, parent_id: { type: ['integer', 'null'] } },
    }
    const values = fc.sample(validValue(schema, { overrides: { parent_id: fc.constant(7) } }), { seed: 4, numRuns: 200 })
    expect(values.every((v) => typeof v === 'object' && v !== null && !('id' in v))).toBe(true)
    expect(values.filter((v) => typeof v === 'object' && v !== null && 'parent_id' in v).every((v) => (v as { parent_id: unknown }).parent_id === 7)).toBe(true)
  })

  it('draws odd text: NUL, bidi marks, emoji, astral code points', () => {
    const joined = fc.sample(validValue({ type: 'string', maxLength: 50 }), { seed: 5, numRuns: 1000 }).join('')
    for (const odd of ['\u0000', '\u200f', '\u{1f600}']) expect(joined).toContain(odd)
    expect([...joined].some((c) => (c.codePointAt(0) ?? 0) > 0xffff)).toBe(true)
    expect(isWellFormedText(joined)).toBe(true)
  })
})

describe('invalidValue', () => {
  it('reaches each way of breaking a schema', () => {
    const schemas = ['ExpenseWrite', 'IncomeWrite', 'UserRegistration', 'GoalWrite'].map((name) => ({ $ref: `#/components/schemas/${name}` }))
    const whys = schemas.flatMap((schema) => {
      const invalid = invalidValue(schema, { root: document })
      return invalid ? fc.sample(invalid, { seed: 6, numRuns: 1500 }).map((c) => c.why) : []
    })
    const text = whys.join('\n')
    for (const way of [
      'wrong type',
      'missing required',
      'extra field "__proto__"',
      'out of range',
      'not a multiple of 0.01',
      'huge, tiny or odd: 1e400',
      'huge, tiny or odd: 9007199254740993',
      'huge, tiny or odd: -0',
      'the forbidden value',
      'longer than',
      'shorter than',
      'breaks the pattern',
      'not a date-time',
      'not an email address',
      'lone surrogate',
    ]) {
      expect(text, way).toContain(way)
    }
  })

  it('writes JSON literals as they are', () => {
    expect(toJsonText({ a: new JsonLiteral('-0'), b: [new JsonLiteral('1e400'), new JsonLiteral('9007199254740993')], c: '\ud800' })).toBe(
      '{"a":-0,"b":[1e400,9007199254740993],"c":"\\ud800"}',
    )
    expect(Object.is(asParsedJson(new JsonLiteral('-0')), -0)).toBe(true)
  })

  it('breaks a schema that takes anything only with text that is not text', () => {
    const invalid = invalidValue({})
    expect(invalid).toBeDefined()
    if (invalid) for (const { why } of fc.sample(invalid, { seed: 7, numRuns: 50 })) expect(why).toMatch(/^lone surrogate/)
  })
})
