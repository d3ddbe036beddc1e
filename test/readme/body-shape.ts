/**
 * Whether a real JSON body fits the one the README shows. The shown body is a shape
 * with examples in it: members and items must be the same (unless `...` left some out)
 * and so must values, except those that differ from run to run, which must only be of
 * the same kind: a timestamp for a shown timestamp, anything for a `<placeholder>` seen
 * for the first time (then remembered), the remembered value for one seen before.
 */
import { type Placeholders, wholePlaceholder } from './placeholders.js'
import { ELIDED } from './shown-output.js'

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Two strings for the same thing: equal, or timestamps of the same instant (`Z` vs `.000Z`). */
function sameString(expected: string, actual: string): boolean {
  if (expected === actual) return true
  return TIMESTAMP.test(expected) && TIMESTAMP.test(actual) && Date.parse(expected) === Date.parse(actual)
}

/** Where `actual` differs from the shown shape, as `pointer: what`; none when it fits. */
export function bodyMismatches(shown: unknown, actual: unknown, placeholders: Placeholders, pointer = ''): string[] {
  const at = pointer || '/'
  if (typeof shown === 'string') {
    const name = wholePlaceholder(shown)
    if (name !== undefined) {
      const known = placeholders.get(name)
      if (known === undefined) {
        placeholders.bind(name, typeof actual === 'string' ? actual : JSON.stringify(actual))
        return []
      }
      return typeof actual === 'string' && sameString(known, actual) ? [] : [`${at}: expected <${name}> = ${known}, got ${JSON.stringify(actual)}`]
    }
    if (TIMESTAMP.test(shown)) return typeof actual === 'string' && TIMESTAMP.test(actual) ? [] : [`${at}: expected a timestamp, got ${JSON.stringify(actual)}`]
    return actual === shown ? [] : [`${at}: expected ${JSON.stringify(shown)}, got ${JSON.stringify(actual)}`]
  }
  if (Array.isArray(shown)) {
    if (!Array.isArray(actual)) return [`${at}: expected an array, got ${JSON.stringify(actual)}`]
    const open = shown.at(-1) === ELIDED
    const items = open ? shown.slice(0, -1) : shown
    if (open ? actual.length < items.length : actual.length !== items.length) {
      return [`${at}: expected ${open ? 'at least ' : ''}${items.length} items, got ${actual.length}`]
    }
    return items.flatMap((item, index) => bodyMismatches(item, actual[index], placeholders, `${pointer}/${index}`))
  }
  if (isObject(shown)) {
    if (!isObject(actual)) return [`${at}: expected an object, got ${JSON.stringify(actual)}`]
    const names = Object.keys(shown).filter((name) => name !== ELIDED)
    const problems = names.flatMap((name) =>
      name in actual ? bodyMismatches(shown[name], actual[name], placeholders, `${pointer}/${name}`) : [`${pointer}/${name}: missing`],
    )
    if (!(ELIDED in shown)) {
      const extra = Object.keys(actual).filter((name) => !(name in shown))
      if (extra.length > 0) problems.push(`${at}: not shown (add them or "..."): ${extra.join(', ')}`)
    }
    return problems
  }
  return Object.is(actual, shown) ? [] : [`${at}: expected ${JSON.stringify(shown)}, got ${JSON.stringify(actual)}`]
}
