/** The `from` / `to` query parameters of the money operations, as stored timestamps. */
import { type FieldError } from '../errors.js'
import { invalidParameters } from '../http/validation.js'
import { toUtcTimestamp } from '../timestamps.js'

export interface TimeRange {
  /** Inclusive. */
  readonly from?: string
  /** Exclusive. */
  readonly to?: string
}

export function timeRange(query: { from?: string; to?: string }): TimeRange {
  const errors: FieldError[] = []
  const bound = (name: 'from' | 'to'): string | undefined => {
    const value = query[name]
    if (value === undefined) return undefined
    const timestamp = toUtcTimestamp(value)
    if (timestamp === undefined) {
      errors.push({ parameter: name, detail: 'must be a moment between the years 0000 and 9999 in UTC, without a leap second' })
    }
    return timestamp
  }
  const from = bound('from')
  const to = bound('to')
  if (from !== undefined && to !== undefined && to < from) errors.push({ parameter: 'to', detail: 'must not be before from' })
  if (errors.length > 0) throw invalidParameters(errors)
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) }
}
