/** The `from` / `to` query parameters of the money operations, as stored timestamps. */
import { type FieldError, invalidParameters } from '../errors.js'
import { ceilingTimestamp, compareInstants, type Instant, parseInstant } from '../timestamps.js'

export interface TimeRange {
  /** Inclusive. */
  readonly from?: string
  /** Exclusive. */
  readonly to?: string
}

const UNREPRESENTABLE = 'must be a moment between the years 0000 and 9999 in UTC, without a leap second'

/**
 * Both bounds round up to the next whole millisecond, where stored times live: a row
 * is in the range exactly when it is at or after `from` and before `to`, to any precision.
 */
export function timeRange(query: { from?: string; to?: string }): TimeRange {
  const errors: FieldError[] = []
  const read = (name: 'from' | 'to'): Instant | undefined => {
    const value = query[name]
    if (value === undefined) return undefined
    const instant = parseInstant(value)
    if (instant === undefined || ceilingTimestamp(instant) === undefined) errors.push({ parameter: name, detail: UNREPRESENTABLE })
    return instant
  }
  const from = read('from')
  const to = read('to')
  if (from && to && compareInstants(to, from) < 0) errors.push({ parameter: 'to', detail: 'must not be before from' })
  if (errors.length > 0) throw invalidParameters(errors)
  const fromTimestamp = from && ceilingTimestamp(from)
  const toTimestamp = to && ceilingTimestamp(to)
  return { ...(fromTimestamp ? { from: fromTimestamp } : {}), ...(toTimestamp ? { to: toTimestamp } : {}) }
}
