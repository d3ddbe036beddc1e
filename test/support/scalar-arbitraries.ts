/**
 * Arbitraries of the scalars the schemas are made of: text of a length in code points (odd
 * ones included), RFC 3339 date-times, and decimal multiples written exactly.
 */
import fc from 'fast-check'

export function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined
}

/**
 * Single code points a careless server mishandles: NUL, bidi controls (RLM, RLO, LRI),
 * zero-width ones, a BOM, a combining mark, astral emoji, the last code point, line and
 * paragraph separators, characters with meaning in URLs, forms, SQL and HTML, and letters
 * whose case mapping changes their length.
 */
export const ODD_CODE_POINTS = [
  '\u0000',
  '\u0001',
  '\u007f',
  '\u0085',
  '\u200f',
  '\u202e',
  '\u2066',
  '\u200d',
  '\u200b',
  '\ufeff',
  '\u0301',
  '\u{1f600}',
  '\u{1f4a9}',
  '\u{10ffff}',
  '\ufffd',
  '\u2028',
  '\u2029',
  '\t',
  '\n',
  '\r',
  '"',
  '\\',
  '/',
  '%',
  '&',
  '=',
  '+',
  '?',
  '#',
  "'",
  '<',
  '>',
  ';',
  '*',
  '_',
  'İ',
  'ß',
  'ﬁ',
  'Σ',
]

/** What `\s` matches in an ECMAScript `u` regex: blanks that a "not blank" rule must see. */
export const WHITESPACE = [' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u1680', '\u2000', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff']

/**
 * Any code point but a surrogate (those are not text). Built by hand: fast-check's
 * `unit: 'binary'` takes about a second to set up.
 */
const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff - 0x800 }).map((n) => String.fromCodePoint(n < 0xd800 ? n : n + 0x800))

/** One code point: mostly printable ASCII, then anything in Unicode, then the odd ones. */
const codePoint: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: anyCodePoint },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_CODE_POINTS) },
)

/** Text of `min` to `max` code points; short mostly, sometimes exactly at a bound. */
export function text(min: number, max: number): fc.Arbitrary<string> {
  const upper = Math.min(max, min + 1000)
  const lengths = [min, upper].filter((n, i, all) => all.indexOf(n) === i)
  const length = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min, max: Math.min(upper, min + 24) }) },
    { weight: 1, arbitrary: fc.constantFrom(...lengths) },
    { weight: 1, arbitrary: fc.integer({ min, max: upper }) },
  )
  return length.chain((n) => fc.array(codePoint, { minLength: n, maxLength: n }).map((points) => points.join('')))
}

const EARLIEST = Date.parse('0000-01-01T00:00:00.000Z')
const LATEST = Date.parse('9999-12-31T23:59:59.999Z')

/**
 * RFC 3339 date-times in UTC between `min` and `max` (default: all of years 0000 to
 * 9999, the range a UTC timestamp keeps its one shape in), with or without milliseconds.
 */
export function dateTime(min = EARLIEST, max = LATEST): fc.Arbitrary<string> {
  return fc.tuple(fc.integer({ min, max }), fc.boolean()).map(([ms, short]) => {
    const full = new Date(ms).toISOString()
    const seconds = full.replace(/\.\d{3}Z$/, 'Z')
    return short && Date.parse(seconds) >= min ? seconds : full
  })
}

/** `m` as `units * 10^-decimals` with whole `units`: 0.01 is 1e-2, 0.25 is 25e-2, 5 is 5e0. */
export function decimalStep(m: number): { units: number; decimals: number } {
  const [mantissa = '', exponent = '0'] = m.toExponential().split('e')
  const fraction = mantissa.split('.')[1] ?? ''
  const decimals = fraction.length - Number(exponent)
  if (decimals <= 0) return { units: m, decimals: 0 }
  return { units: Number(mantissa.replace('.', '')), decimals }
}

/** The multiple `k * m`, written in decimal (so 7 * 0.01 is 0.07, not 0.07000000000000001). */
export function multiple(k: number, step: { units: number; decimals: number }): number {
  return Number(`${k * step.units}e-${step.decimals}`)
}

// ---------------------------------------------------------------------------------------
// Valid values.
