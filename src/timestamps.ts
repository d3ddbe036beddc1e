/**
 * Timestamps as the API stores and returns them: RFC 3339 in UTC with milliseconds
 * (`2026-11-21T10:00:00.000Z`). In that one shape, text order is time order, so the
 * database compares them as strings.
 */

export function currentTimestamp(): string {
  return new Date().toISOString()
}

/** What `format: date-time` lets through: any offset, `t` or a space, any fraction. */
const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:[0-5]\d):([0-5]\d|60)(?:\.(\d+))?(?:[Zz]|([+-]\d{2})(?::?(\d{2}))?)$/

/**
 * An RFC 3339 date-time, with any offset, as a stored timestamp; undefined when it is
 * not one, names a leap second (which JavaScript time cannot hold), or falls outside the
 * years 0000 to 9999 in UTC (where it would not keep the one shape). Digits past the
 * millisecond are dropped.
 */
export function toUtcTimestamp(value: string): string | undefined {
  const match = RFC3339.exec(value)
  if (!match) return undefined
  const [, date = '', hoursMinutes = '', seconds = '', fraction = '', offsetHours, offsetMinutes = '00'] = match
  if (seconds === '60') return undefined
  // JavaScript rolls 2026-02-30 over into March and reads 24:00 as the next day.
  const day = new Date(`${date}T00:00:00Z`)
  if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== date || hoursMinutes >= '24') return undefined
  const millis = fraction.padEnd(3, '0').slice(0, 3)
  const offset = offsetHours === undefined ? 'Z' : `${offsetHours}:${offsetMinutes}`
  const time = new Date(`${date}T${hoursMinutes}:${seconds}.${millis}${offset}`)
  if (Number.isNaN(time.getTime())) return undefined
  const utc = time.toISOString()
  return /^\d{4}-/.test(utc) ? utc : undefined
}
