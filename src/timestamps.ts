/**
 * Timestamps as the API stores and returns them: RFC 3339 in UTC with milliseconds
 * (`2026-11-21T10:00:00.000Z`). In that one shape, text order is time order, so the
 * database compares them as strings.
 */

/**
 * Where everything that serves a request reads the time (AppDeps.clock: the stored
 * timestamps, token expiry, the rate limits' windows, idempotency keys' age): the
 * system's clock in the service, a test's own that moves only when told, so that a test
 * of an expiry or a window's end never races the wall clock.
 */
export type Clock = () => Date

export const systemClock: Clock = () => new Date()

/** The clock's time in the stored shape. */
export function currentTimestamp(clock: Clock): string {
  return clock().toISOString()
}

/** What `format: date-time` lets through: any offset, `t` or a space, any fraction. */
const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:[0-5]\d):([0-5]\d|60)(?:\.(\d+))?(?:[Zz]|([+-]\d{2})(?::?(\d{2}))?)$/

/** A moment read from RFC 3339 text, to the millisecond and beyond. */
export interface Instant {
  /** The stored shape, cut down to the millisecond. */
  readonly timestamp: string
  /** The digits past the millisecond, without trailing zeros ('' when there are none). */
  readonly finer: string
}

/**
 * Reads an RFC 3339 date-time with any offset; undefined when it is not one, names a
 * leap second (which JavaScript time cannot hold), or falls outside the years 0000 to
 * 9999 in UTC (where it would not keep the one shape).
 */
export function parseInstant(value: string): Instant | undefined {
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
  const timestamp = time.toISOString()
  if (!/^\d{4}-/.test(timestamp)) return undefined
  return { timestamp, finer: fraction.slice(3).replace(/0+$/, '') }
}

/** A date-time as a stored timestamp; digits past the millisecond are dropped. */
export function toUtcTimestamp(value: string): string | undefined {
  return parseInstant(value)?.timestamp
}

/**
 * The first stored timestamp at or after the instant. Stored times are whole
 * milliseconds, so `t >= instant` is `t >= ceiling` and `t < instant` is `t < ceiling`.
 */
export function ceilingTimestamp(instant: Instant): string | undefined {
  if (instant.finer === '') return instant.timestamp
  const next = new Date(Date.parse(instant.timestamp) + 1).toISOString()
  return /^\d{4}-/.test(next) ? next : undefined
}

/** Orders two instants exactly, finer digits included. */
export function compareInstants(a: Instant, b: Instant): number {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1
  const width = Math.max(a.finer.length, b.finer.length)
  const [x, y] = [a.finer.padEnd(width, '0'), b.finer.padEnd(width, '0')]
  return x === y ? 0 : x < y ? -1 : 1
}
