/**
 * fast-check arbitraries from the JSON Schemas of `openapi.yaml` (OpenAPI 3.1, so JSON
 * Schema 2020-12): {@link validValue} makes values that satisfy a schema, and
 * {@link invalidValue} values that break it in one known way, each with a `why`.
 *
 * Everything is driven by schema keywords (`type` and type arrays, `const`, `enum`,
 * `anyOf`/`oneOf`, `not`, `pattern`, `format`, lengths, bounds, `multipleOf`,
 * `required`, `additionalProperties`, `readOnly`), never by the names of operations, so
 * a schema the spec gains tomorrow is covered without a change here. Local `$ref`s are
 * followed in the document given as `root`.
 *
 * The parts live next door: ./json-text.ts (exact JSON numbers, well-formed text),
 * ./schemas.ts ($refs, types, the server's Ajv) and ./scalar-arbitraries.ts (text,
 * date-times, decimal multiples).
 */
import fc from 'fast-check'
import { codePointLength, isRecord, isWellFormedText, JsonLiteral, preview } from './json-text.js'
import { dateTime, decimalStep, multiple, num, ODD_CODE_POINTS, text, WHITESPACE } from './scalar-arbitraries.js'
import { type JsonType, resolveSchema, type Schema, type SchemaValidator, typesOf, validatorFor } from './schemas.js'

export interface ArbitraryOptions {
  /** The document that local `$ref`s (`#/components/...`) point into. */
  readonly root?: object
  /**
   * Property name to arbitrary, for rules that a schema cannot express (a reference to
   * one of the caller's own resources, a moment that must not be before another). Used
   * wherever an object property of that name is generated, in valid values and in the
   * valid parts of invalid ones.
   */
  readonly overrides?: Readonly<Record<string, fc.Arbitrary<unknown>>>
}

/** A value broken in one known way, and that way. */
export interface Invalid {
  readonly value: unknown
  readonly why: string
}

interface Generation {
  readonly root: object | undefined
  readonly overrides: Readonly<Record<string, fc.Arbitrary<unknown>>>
  readonly validator: SchemaValidator
  readonly depth: number
}

function generation(options: ArbitraryOptions): Generation {
  return { root: options.root, overrides: options.overrides ?? {}, validator: validatorFor(options.root), depth: 0 }
}

/** Values that satisfy `schema`. In objects, `readOnly` properties are never generated (these are requests). */
export function validValue(schema: unknown, options: ArbitraryOptions = {}): fc.Arbitrary<unknown> {
  return valid(schema, generation(options))
}

function valid(node: unknown, g: Generation): fc.Arbitrary<unknown> {
  const s = resolveSchema(node, g.root)
  const keep = (arb: fc.Arbitrary<unknown>) => arb.filter((v) => g.validator.isValid(s, v))
  if ('const' in s) return fc.constant(s.const)
  if (Array.isArray(s.enum)) return keep(fc.constantFrom(...(s.enum as unknown[])))
  const branches = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined
  if (branches) return keep(fc.oneof(...branches.map((branch) => valid(branch, g))))
  const types = typesOf(s).filter((t) => !(t === 'integer' && typesOf(s).includes('number')))
  const arbs = types.map((type): fc.Arbitrary<unknown> => {
    switch (type) {
      case 'null':
        return fc.constant(null)
      case 'boolean':
        return fc.boolean()
      case 'integer':
      case 'number':
        return keep(validNumber(s, type === 'integer'))
      case 'string':
        return keep(validString(s))
      case 'array':
        return fc.array(valid(s.items, { ...g, depth: g.depth + 1 }), {
          minLength: num(s.minItems) ?? 0,
          maxLength: Math.max(num(s.minItems) ?? 0, Math.min(num(s.maxItems) ?? 4, 4)),
        })
      case 'object':
        return validObject(s, g)
      default:
        throw new Error(`no generator for type ${String(type)}`)
    }
  })
  if (arbs.length === 0) throw new Error(`no value satisfies ${preview(s)}`)
  // `not` is the one keyword a type's generator cannot aim at; it rules out little.
  return s.not === undefined ? fc.oneof(...arbs) : keep(fc.oneof(...arbs))
}

function validString(s: Schema): fc.Arbitrary<string> {
  const min = num(s.minLength) ?? 0
  const max = num(s.maxLength) ?? Number.POSITIVE_INFINITY
  switch (s.format) {
    case undefined:
    // An OpenAPI hint for interfaces (mask the input), not a constraint: any text.
    case 'password':
      break
    case 'date-time':
      return dateTime()
    case 'date':
      return dateTime().map((t) => t.slice(0, 10))
    case 'email':
      return fc.emailAddress()
    case 'uri':
      return fc.webUrl({ withQueryParameters: true, withFragments: true })
    case 'uri-reference':
      return fc.oneof(fc.webUrl(), fc.webPath())
    case 'uuid':
      return fc.uuid()
    default:
      // A filter over random text would almost never hit an unknown format.
      throw new Error(`no generator for format ${String(s.format)}: add one`)
  }
  if (typeof s.pattern === 'string') return patternString(s.pattern, min, max)
  return text(min, max)
}

/**
 * Strings matching a pattern (ECMAScript regex with the `u` flag, as Ajv reads it). An
 * unanchored pattern matches any string that contains a match, so the match is wrapped
 * in arbitrary text, odd code points included.
 */
function patternString(pattern: string, min: number, max: number): fc.Arbitrary<string> {
  const regex = new RegExp(pattern, 'u')
  const core = Number.isFinite(max) ? fc.stringMatching(regex, { maxLength: max }) : fc.stringMatching(regex)
  const anchored = pattern.startsWith('^') && pattern.endsWith('$')
  const candidates = anchored ? core : fc.tuple(text(0, 12), core, text(0, 12)).map(([before, match, after]) => `${before}${match}${after}`)
  return candidates.filter((v) => regex.test(v) && codePointLength(v) >= min && codePointLength(v) <= max)
}

/** Bounds as integers of `step` (k such that k * step is allowed), exclusive ones included. */
function stepBounds(s: Schema, step: { units: number; decimals: number }): { low: number; high: number } {
  const scale = (x: number) => (x * 10 ** step.decimals) / step.units
  const exMin = num(s.exclusiveMinimum)
  const exMax = num(s.exclusiveMaximum)
  const min = num(s.minimum)
  const max = num(s.maximum)
  const lows = [Number.MIN_SAFE_INTEGER]
  const highs = [Number.MAX_SAFE_INTEGER]
  if (min !== undefined) lows.push(Math.ceil(scale(min) - 1e-9))
  if (exMin !== undefined) lows.push(Math.floor(scale(exMin) + 1e-9) + 1)
  if (max !== undefined) highs.push(Math.floor(scale(max) + 1e-9))
  if (exMax !== undefined) highs.push(Math.ceil(scale(exMax) - 1e-9) - 1)
  return { low: Math.max(...lows), high: Math.min(...highs) }
}

/**
 * Numbers within bounds. With a `multipleOf` (or for integers, a step of 1) they are
 * k * step for a whole k, written in decimal: an amount with `multipleOf: 0.01` is
 * integer cents / 100, which JavaScript prints with at most two decimals.
 */
function validNumber(s: Schema, integer: boolean): fc.Arbitrary<number> {
  const m = num(s.multipleOf)
  if (m !== undefined || integer) {
    const step = decimalStep(m ?? 1)
    if (integer && step.decimals > 0) throw new Error(`an integer multiple of ${String(m)}: not supported`)
    const { low, high } = stepBounds(s, step)
    if (low > high) throw new Error(`no number satisfies ${preview(s)}`)
    // Anywhere in range, small (0.07 more than 12345678.9), or exactly at a bound.
    const k = fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: low, max: high }) },
      { weight: 3, arbitrary: fc.integer({ min: Math.max(low, Math.min(high, -10_000)), max: Math.min(high, Math.max(low, 10_000)) }) },
      { weight: 1, arbitrary: fc.constantFrom(low, high) },
    )
    return k.map((n) => multiple(n, step))
  }
  const min = num(s.minimum) ?? num(s.exclusiveMinimum) ?? -Number.MAX_VALUE
  const max = num(s.maximum) ?? num(s.exclusiveMaximum) ?? Number.MAX_VALUE
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true, minExcluded: s.exclusiveMinimum !== undefined, maxExcluded: s.exclusiveMaximum !== undefined })
}

function writableProperties(s: Schema, g: Generation): Array<[string, unknown]> {
  const properties = isRecord(s.properties) ? Object.entries(s.properties) : []
  // readOnly properties (id, uri, timestamps) are the server's to set: never sent.
  return properties.filter(([, property]) => resolveSchema(property, g.root).readOnly !== true)
}

/** Every required property and some of the optional ones, none of them read-only. */
function validObject(s: Schema, g: Generation): fc.Arbitrary<Record<string, unknown>> {
  const inner = { ...g, depth: g.depth + 1 }
  const model: Record<string, fc.Arbitrary<unknown>> = {}
  for (const [name, property] of writableProperties(s, g)) model[name] = g.overrides[name] ?? valid(property, inner)
  const required = (Array.isArray(s.required) ? s.required : []).filter((name): name is string => typeof name === 'string' && name in model)
  return fc.record(model, { requiredKeys: required })
}

// ---------------------------------------------------------------------------------------
// Invalid values.

/**
 * Values that break `schema` in one known way, each with what is wrong: a wrong type, a
 * missing required or an extra field, a number out of range, with more decimals than
 * `multipleOf` allows, huge (1e308, 1e400, 9007199254740993) or -0, a string too short,
 * too long, breaking the pattern (NUL, bidi marks, emoji, blanks) or the format, a lone
 * surrogate (not text at all). Each is checked against the schema, so no value that
 * satisfies it slips through (except a lone surrogate, which is invalid as text).
 * `undefined` when the schema accepts every JSON value.
 */
export function invalidValue(schema: unknown, options: ArbitraryOptions = {}): fc.Arbitrary<Invalid> | undefined {
  return invalid(schema, generation(options))
}

function invalid(node: unknown, g: Generation): fc.Arbitrary<Invalid> | undefined {
  const s = resolveSchema(node, g.root)
  const breaks = (value: unknown) => !g.validator.isValid(s, value) || !isWellFormedText(value)
  /** Fixed candidates, kept only if they really break the schema. */
  const fixed = (label: string, values: readonly unknown[]): fc.Arbitrary<Invalid> | undefined => {
    const kept = values.filter(breaks)
    return kept.length === 0 ? undefined : fc.constantFrom(...kept).map((value) => ({ value, why: `${label}: ${preview(value)}` }))
  }
  /** Random candidates, filtered; each source must break the schema often. */
  const drawn = (label: string, arb: fc.Arbitrary<unknown>): fc.Arbitrary<Invalid> => arb.filter(breaks).map((value) => ({ value, why: `${label}: ${preview(value)}` }))

  const candidates: Array<fc.Arbitrary<Invalid> | undefined> = []
  const allowed = allowedTypes(s, g)
  const accepts = (t: JsonType) => allowed.includes(t) || (t === 'integer' && allowed.includes('number'))

  // A wrong type: one example of every JSON type the schema does not take.
  const wrong: unknown[] = []
  if (!accepts('string')) wrong.push('', 'x', '12', 'true', 'null', '2026-11-21T10:00:00.000Z')
  if (!accepts('number')) wrong.push(0, 12, -1, 0.5, 1e308)
  if (!accepts('boolean')) wrong.push(true, false)
  if (!accepts('null')) wrong.push(null)
  if (!accepts('array')) wrong.push([], ['x'], [1])
  if (!accepts('object')) wrong.push({}, { a: 1 })
  candidates.push(fixed('wrong type', wrong))

  if ('const' in s || Array.isArray(s.enum)) {
    const members: unknown[] = 'const' in s ? [s.const] : (s.enum as unknown[])
    candidates.push(fixed('not one of the allowed values', members.flatMap(nearMisses)))
  }
  const branches = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : []
  for (const branch of branches) {
    const broken = invalid(branch, g)
    if (broken) candidates.push(broken.filter((c) => breaks(c.value)))
  }
  if (s.not !== undefined) {
    const forbidden = resolveSchema(s.not, g.root)
    if ('const' in forbidden) candidates.push(fixed('the forbidden value', nearMisses(forbidden.const).concat([forbidden.const])))
  }

  // A schema made only of branches (anyOf) is broken through its branches, above.
  const types = branches.length > 0 && s.type === undefined ? [] : typesOf(s)
  if (types.includes('string')) candidates.push(...invalidStrings(s, fixed, drawn))
  if (types.includes('number') || types.includes('integer')) candidates.push(...invalidNumbers(s, types.includes('integer') && !types.includes('number'), fixed, drawn))
  if (types.includes('object') && g.depth < 4) candidates.push(...invalidObjects(s, g))
  if (types.includes('array') && s.items !== undefined && g.depth < 4) {
    const item = invalid(s.items, { ...g, depth: g.depth + 1 })
    if (item) candidates.push(item.map((c) => ({ value: [c.value], why: `/0: ${c.why}` })))
    const maxItems = num(s.maxItems)
    if (maxItems !== undefined) candidates.push(drawn('too many items', fc.array(valid(s.items, g), { minLength: maxItems + 1, maxLength: maxItems + 2 })))
  }

  const present = candidates.filter((c): c is fc.Arbitrary<Invalid> => c !== undefined)
  return present.length === 0 ? undefined : fc.oneof(...present)
}

/** The JSON types any value of the schema can have, anyOf/oneOf branches included. */
function allowedTypes(s: Schema, g: Generation): JsonType[] {
  const branches = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined
  if (branches) return [...new Set(branches.flatMap((b) => allowedTypes(resolveSchema(b, g.root), g)))]
  return typesOf(s)
}

/** Values close to an allowed one: another case, a blank around it, one step off. */
function nearMisses(value: unknown): unknown[] {
  if (typeof value === 'string') return [value.toUpperCase(), `${value} `, ` ${value}`, value.slice(1), `${value}\u0000`, `${value}\u200f`, '']
  if (typeof value === 'number')
    return [
      value + 1,
      value - 1,
      value + 0.5,
      -value,
      new JsonLiteral(`-${value}`),
      new JsonLiteral(`${value}.0`),
      new JsonLiteral(`${value}e0`),
      new JsonLiteral(`-${value}.00`),
    ]
  if (typeof value === 'boolean') return [!value]
  return [null, 0, '']
}

type Fixed = (label: string, values: readonly unknown[]) => fc.Arbitrary<Invalid> | undefined
type Drawn = (label: string, arb: fc.Arbitrary<unknown>) => fc.Arbitrary<Invalid>

const BAD_DATE_TIMES = [
  '2026-11-21',
  '10:00:00Z',
  '2026-11-21T10:00:00',
  '2026-13-01T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-11-21T24:00:00Z',
  '2026-11-21T10:60:00Z',
  '2026-11-21T10:00:61Z',
  '2026-11-21T10:00:00+25:00',
  '26-11-21T10:00:00Z',
  '+002026-11-21T10:00:00Z',
  '2026-11-21T10:00:00.Z',
  '2026-11-21T10:00:00,5Z',
  'now',
  '',
  ' 2026-11-21T10:00:00Z',
  '2026-11-21T10:00:00Z\u0000',
  '٢٠٢٦-١١-٢١T10:00:00Z',
  '1e3',
  'NaN',
  '2026-W47-6T10:00:00Z',
]
const BAD_EMAILS = [
  'plainaddress',
  '@example.com',
  'user@',
  'user@@example.com',
  'user name@example.com',
  'user@exa mple.com',
  'user@.com',
  'user@example..com',
  '.user@example.com',
  'usér@example.com',
  'user@例え.jp',
  'user@example.com\u0000',
  'user@example',
  '\u202euser@example.com',
]
const BAD_URIS = ['not a uri', '//no-scheme.example', '/relative/path', 'http://exa mple.com', 'http://[::1', ':', '']

function invalidStrings(s: Schema, fixed: Fixed, drawn: Drawn): Array<fc.Arbitrary<Invalid> | undefined> {
  const min = num(s.minLength) ?? 0
  const max = num(s.maxLength) ?? Number.POSITIVE_INFINITY
  const out: Array<fc.Arbitrary<Invalid> | undefined> = []
  if (min > 0) out.push(drawn(`shorter than ${min}`, text(0, min - 1)))
  if (Number.isFinite(max)) {
    out.push(drawn(`longer than ${max}`, text(max + 1, max + 33)))
    out.push(fixed(`far longer than ${max}`, ['x'.repeat(max * 4 + 100)]))
  }
  // Valid strings of the schema, to break in one place.
  const base = validStringOrUndefined(s) ?? text(min, Math.min(max, min + 24))
  const okLength = (v: string) => codePointLength(v) >= min && codePointLength(v) <= max
  if (typeof s.pattern === 'string') {
    const regex = new RegExp(s.pattern, 'u')
    const breakers = [...ODD_CODE_POINTS, ...WHITESPACE, 'A', 'Z', '.', '-', ' ']
    // Only a pattern that some single code point breaks can be broken by these (not `.*`).
    if (breakers.some((c) => !regex.test(c))) {
      const swapped = fc.tuple(base, fc.nat(), fc.constantFrom(...breakers)).map(([v, at, c]) => {
        const points = [...v]
        if (points.length === 0) return c
        points[at % points.length] = c
        return points.join('')
      })
      const low = Math.max(min, 1)
      const blank = fc
        .integer({ min: low, max: Math.max(low, Math.min(max, 24)) })
        .chain((n) => fc.array(fc.constantFrom(...WHITESPACE), { minLength: n, maxLength: n }).map((a) => a.join('')))
      out.push(
        drawn(
          `breaks the pattern ${s.pattern}`,
          fc.oneof(swapped, blank).filter((v) => okLength(v) && !regex.test(v)),
        ),
      )
    }
  }
  if (s.format === 'date-time') {
    out.push(fixed('not a date-time', BAD_DATE_TIMES))
    const mutated = fc.tuple(dateTime(), fc.nat(), fc.constantFrom('x', ' ', '9', ':', '\u0660', '-', 'T'))
    out.push(
      drawn(
        'not a date-time',
        mutated.map(([v, at, c]) => `${v.slice(0, at % v.length)}${c}${v.slice((at % v.length) + 1)}`),
      ),
    )
  }
  if (s.format === 'email') out.push(fixed('not an email address', BAD_EMAILS))
  if (s.format === 'uri') out.push(fixed('not a URI', BAD_URIS))
  // A lone surrogate satisfies the schema (it is "a string") but is not text.
  out.push(
    fc
      .tuple(base, fc.nat(), fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff'))
      .map(([v, at, lone]) => {
        const points = [...v]
        points.splice(at % (points.length + 1), points.length >= max ? 1 : 0, lone)
        return points.join('')
      })
      .filter((v) => !isWellFormedText(v))
      .map((value) => ({ value, why: `lone surrogate (not text): ${preview(value)}` })),
  )
  return out
}

function validStringOrUndefined(s: Schema): fc.Arbitrary<string> | undefined {
  try {
    return validString(s)
  } catch {
    return undefined
  }
}

function invalidNumbers(s: Schema, integer: boolean, fixed: Fixed, drawn: Drawn): Array<fc.Arbitrary<Invalid> | undefined> {
  const out: Array<fc.Arbitrary<Invalid> | undefined> = []
  const m = num(s.multipleOf)
  const step = m ?? 1
  const bounds: unknown[] = []
  for (const key of ['minimum', 'exclusiveMinimum'] as const) {
    const b = num(s[key])
    if (b !== undefined) bounds.push(b, b - step, b - 1, -b)
  }
  for (const key of ['maximum', 'exclusiveMaximum'] as const) {
    const b = num(s[key])
    if (b !== undefined) bounds.push(b, b + step, b + 1, b * 10)
  }
  out.push(fixed('out of range', bounds))
  out.push(
    fixed('huge, tiny or odd', [
      1e308,
      -1e308,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      -Number.MIN_VALUE,
      9007199254740992,
      -9007199254740992,
      new JsonLiteral('1e400'),
      new JsonLiteral('-1e400'),
      new JsonLiteral('9007199254740993'),
      new JsonLiteral('-9007199254740993'),
      new JsonLiteral('123456789012345678901234567890'),
      new JsonLiteral('-0'),
      new JsonLiteral('-0.0'),
      new JsonLiteral('1e-400'),
    ]),
  )
  if (integer) out.push(fixed('not an integer', [0.5, 1.5, -2.5, 1e-7, new JsonLiteral('1.0000000000000002'), Number.EPSILON]))
  if (m !== undefined) {
    const exact = decimalStep(m)
    const finer = multiple(1, { units: exact.units, decimals: exact.decimals + 1 })
    out.push(fixed(`not a multiple of ${m}`, [finer, 1 + finer, 0.1 + 0.2, 1e-7, new JsonLiteral('12.345'), new JsonLiteral('0.071')]))
    // A valid number plus a sliver: 12.34 and 0.001 make 12.341.
    out.push(
      drawn(
        `not a multiple of ${m}`,
        validNumber(s, false).map((v) => Number((v + finer).toFixed(exact.decimals + 1))),
      ),
    )
  }
  // Anywhere on the number line: usually out of range or off the step (only if there is one).
  if (integer || m !== undefined || bounds.length > 0) out.push(drawn('out of range or off the step', fc.double({ noNaN: true, noDefaultInfinity: true })))
  return out
}

/** Keys a mass-assignment bug would take, and keys that are odd in themselves. */
const EXTRA_KEYS = ['id', 'uri', 'user_id', 'owner', 'created_at', 'updated_at', 'is_admin', '__proto__', 'constructor', 'toString', '', ' ', 'a\u0000b', '\u{1f600}']

function invalidObjects(s: Schema, g: Generation): Array<fc.Arbitrary<Invalid> | undefined> {
  const out: Array<fc.Arbitrary<Invalid> | undefined> = []
  const base = validObject(s, g)
  const inner = { ...g, depth: g.depth + 1 }
  const declared = isRecord(s.properties) ? Object.keys(s.properties) : []

  const required = (Array.isArray(s.required) ? s.required : []).filter((n): n is string => typeof n === 'string')
  if (required.length > 0) {
    out.push(
      fc.tuple(base, fc.constantFrom(...required)).map(([object, name]) => {
        const { [name]: _dropped, ...rest } = object
        return { value: rest, why: `missing required ${name}` }
      }),
    )
  }
  if (s.additionalProperties === false) {
    const variants = declared.map((name) => name.charAt(0).toUpperCase() + name.slice(1)).filter((name) => !declared.includes(name))
    const key = fc.oneof(fc.constantFrom(...EXTRA_KEYS, ...variants), text(1, 12)).filter((k) => !declared.includes(k))
    const value = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), text(0, 8), fc.constant({}), fc.constant([]))
    out.push(
      fc.tuple(base, key, value).map(([object, name, extra]) => {
        const copy = { ...object }
        // defineProperty: `__proto__` becomes a field, as JSON.parse makes it, not a prototype.
        Object.defineProperty(copy, name, { value: extra, enumerable: true, writable: true, configurable: true })
        return { value: copy, why: `extra field ${JSON.stringify(name)}` }
      }),
    )
  }
  for (const [name, property] of writableProperties(s, g)) {
    const broken = invalid(property, inner)
    if (!broken) continue
    out.push(
      fc.tuple(base, broken).map(([object, bad]) => {
        const copy = { ...object }
        Object.defineProperty(copy, name, { value: bad.value, enumerable: true, writable: true, configurable: true })
        return { value: copy, why: `/${name}: ${bad.why}` }
      }),
    )
  }
  return out
}
