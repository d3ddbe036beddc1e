import { describe, expect, it } from 'vitest'
import { ceilingTimestamp, compareInstants, currentTimestamp, type Instant, parseInstant, systemClock, toUtcTimestamp } from '../src/timestamps.js'
import { manualClock } from './support/manual-clock.js'

describe('toUtcTimestamp', () => {
  it.each([
    ['2026-11-21T10:00:00Z', '2026-11-21T10:00:00.000Z'],
    ['2026-11-21T10:00:00.5Z', '2026-11-21T10:00:00.500Z'],
    ['2026-11-21T10:00:00.123456789Z', '2026-11-21T10:00:00.123Z'],
    ['2026-11-21T12:00:00+02:00', '2026-11-21T10:00:00.000Z'],
    ['2026-11-21T12:00:00+0200', '2026-11-21T10:00:00.000Z'],
    ['2026-11-21T12:00:00+02', '2026-11-21T10:00:00.000Z'],
    ['2026-11-21T05:30:00-04:30', '2026-11-21T10:00:00.000Z'],
    ['2026-11-21t10:00:00z', '2026-11-21T10:00:00.000Z'],
    ['2026-11-21 10:00:00Z', '2026-11-21T10:00:00.000Z'],
    ['2026-11-22T00:30:00+01:00', '2026-11-21T23:30:00.000Z'],
    ['0000-01-01T00:00:00Z', '0000-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  ])('%s is %s', (input, expected) => {
    expect(toUtcTimestamp(input)).toBe(expected)
  })

  it.each([
    ['a leap second', '2016-12-31T23:59:60Z'],
    ['a moment before the year 0000 in UTC', '0000-01-01T00:00:00+01:00'],
    ['a moment after the year 9999 in UTC', '9999-12-31T23:30:00-01:00'],
    ['no offset', '2026-11-21T10:00:00'],
    ['a date alone', '2026-11-21'],
    ['February 30th', '2026-02-30T10:00:00Z'],
    ['hour 24', '2026-11-21T24:00:00Z'],
    ['minute 60', '2026-11-21T10:60:00Z'],
    ['month 13', '2026-13-01T10:00:00Z'],
    ['not a date at all', 'yesterday'],
  ])('refuses %s', (_, input) => {
    expect(toUtcTimestamp(input)).toBeUndefined()
  })
})

describe('currentTimestamp', () => {
  it('is now, in the stored shape', () => {
    const before = Date.now()
    const now = currentTimestamp(systemClock)
    expect(now).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    expect(Date.parse(now)).toBeGreaterThanOrEqual(before)
    expect(toUtcTimestamp(now)).toBe(now)
  })

  it("is the given clock's time: a test's clock stands still until moved", () => {
    const clock = manualClock('2026-11-21T10:00:00.000Z')
    expect(currentTimestamp(clock.now)).toBe('2026-11-21T10:00:00.000Z')
    clock.advance(1500)
    expect(currentTimestamp(clock.now)).toBe('2026-11-21T10:00:01.500Z')
  })
})

function instant(value: string): Instant {
  const parsed = parseInstant(value)
  if (!parsed) throw new Error(`not an instant: ${value}`)
  return parsed
}

describe('ceilingTimestamp', () => {
  it.each([
    ['2026-11-21T10:00:00.123Z', '2026-11-21T10:00:00.123Z'],
    ['2026-11-21T10:00:00.1230000Z', '2026-11-21T10:00:00.123Z'],
    ['2026-11-21T10:00:00.1231Z', '2026-11-21T10:00:00.124Z'],
    ['2026-11-21T23:59:59.9995Z', '2026-11-22T00:00:00.000Z'],
  ])('%s rounds up to %s', (input, expected) => {
    expect(ceilingTimestamp(instant(input))).toBe(expected)
  })

  it('has nowhere to go past the last millisecond of 9999', () => {
    expect(ceilingTimestamp(instant('9999-12-31T23:59:59.9991Z'))).toBeUndefined()
  })
})

describe('compareInstants', () => {
  it.each([
    ['2026-11-21T10:00:00.0001Z', '2026-11-21T10:00:00.0002Z', -1],
    ['2026-11-21T10:00:00.00020Z', '2026-11-21T10:00:00.0002Z', 0],
    ['2026-11-21T12:00:00+02:00', '2026-11-21T10:00:00Z', 0],
    ['2026-11-21T10:00:00.001Z', '2026-11-21T10:00:00.0009999Z', 1],
  ])('%s against %s is %i', (a, b, expected) => {
    expect(compareInstants(instant(a), instant(b))).toBe(expected)
  })
})
