/**
 * JSON as it goes on the wire in the fuzzer's requests: numbers spelled exactly as given
 * ({@link JsonLiteral}), and whether a value is text at all (no lone surrogates).
 */
import fc from 'fast-check'

/**
 * A JSON number written exactly as given, for spellings that no JavaScript number
 * serialises to: `-0`, `1e400` (Infinity once parsed), `9007199254740993` (parsed as
 * ...992).
 */
export class JsonLiteral {
  constructor(readonly text: string) {}
  [fc.toStringMethod](): string {
    return `JsonLiteral(${this.text})`
  }
}

const LITERAL_MARK = 'JsonLiteral:c0ffee:'

/** JSON text for a value, with each {@link JsonLiteral} written as it is. */
export function toJsonText(value: unknown): string {
  const literals: string[] = []
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof JsonLiteral ? `${LITERAL_MARK}${literals.push(v.text) - 1}` : v))
  if (text === undefined) throw new Error(`not a JSON value: ${String(value)}`)
  return text.replace(new RegExp(`"${LITERAL_MARK}(\\d+)"`, 'g'), (_match, index: string) => literals[Number(index)] ?? 'null')
}

/** What a server reads back from {@link toJsonText}: JSON.parse's view of the value. */
export function asParsedJson(value: unknown): unknown {
  return JSON.parse(toJsonText(value)) as unknown
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * False when a string in the value (or a key) holds a lone UTF-16 surrogate. JSON can
 * spell one (`"\ud800"`) but it is not text: a server must refuse it before any schema is
 * consulted, so such a value is invalid whatever the schema says.
 */
export function isWellFormedText(value: unknown): boolean {
  if (typeof value === 'string') return !LONE_SURROGATE.test(value)
  if (Array.isArray(value)) return value.every(isWellFormedText)
  if (isRecord(value)) return Object.entries(value).every(([key, child]) => isWellFormedText(key) && isWellFormedText(child))
  return true
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonLiteral)
}

/** Code points, not UTF-16 units: what `minLength` / `maxLength` count. */
export function codePointLength(text: string): number {
  return [...text].length
}

/** A value as short JSON text, for the `why` of an invalid value. */
export function preview(value: unknown): string {
  let text: string
  try {
    text = toJsonText(value)
  } catch {
    text = String(value)
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}
