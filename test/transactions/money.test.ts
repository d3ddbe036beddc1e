/**
 * Amounts to whole cents and back, decided in decimal: the binary float arithmetic that
 * JavaScript would do by itself is off by a little at many ordinary amounts.
 */
import { describe, expect, it } from 'vitest'
import { fromCents, MAX_TOTAL_CENTS, toCents } from '../../src/transactions/money.js'
import { mulberry32 } from '../support/random.js'

/** A whole number in [0, bound), from two 32-bit draws (bound up to 2^53). */
function below(next: () => number, bound: number): number {
  return ((next() & 0x1fffff) * 2 ** 32 + next()) % bound
}

/** Whole cents written as the decimal a person would write: 1250 -> "12.50". */
function decimalOf(cents: bigint): string {
  const sign = cents < 0n ? '-' : ''
  const size = cents < 0n ? -cents : cents
  return `${sign}${size / 100n}.${String(size % 100n).padStart(2, '0')}`
}

describe('toCents', () => {
  it.each([
    [0.01, 1],
    [0.07, 7],
    [0.1, 10],
    [0.29, 29],
    [0.57, 57],
    [1.1, 110],
    [12.5, 1250],
    [4.35, 435],
    [1_000_000_000, 100_000_000_000],
    [999_999_999.99, 99_999_999_999],
    [-12.5, -1250],
    [-0.07, -7],
    [9_999_999_999_999.99, MAX_TOTAL_CENTS],
  ])('%d -> %d cents', (amount, cents) => {
    expect(toCents(amount)).toBe(cents)
  })

  it('is exact where amount * 100 is not: 0.07, 0.29, 0.57, 1.1, 4.35', () => {
    // The reason for the decimal conversion: the float product misses by a hair.
    for (const amount of [0.07, 0.29, 0.57, 1.1, 4.35]) {
      expect(Number.isInteger(amount * 100), String(amount)).toBe(false)
      expect(Number.isInteger(toCents(amount)), String(amount)).toBe(true)
    }
  })

  it('returns a safe integer for every two-decimal amount up to the total limit (seeded sample)', () => {
    const next = mulberry32(20261121)
    const wrong: string[] = []
    for (let i = 0; i < 20_000; i++) {
      const cents = below(next, MAX_TOTAL_CENTS + 1)
      const amount = Number(decimalOf(BigInt(cents)))
      if (toCents(amount) !== cents || toCents(-amount) !== -cents) wrong.push(`${amount} -> ${toCents(amount)}`)
    }
    expect(wrong).toEqual([])
  })
})

describe('fromCents', () => {
  it.each([
    [1, 0.01],
    [7, 0.07],
    [10, 0.1],
    [30, 0.3],
    [1250, 12.5],
    [-1250, -12.5],
    [-7, -0.07],
    [100_000_000_000, 1_000_000_000],
    [99_999_999_999, 999_999_999.99],
    [MAX_TOTAL_CENTS, 9_999_999_999_999.99],
  ])('%d cents -> %d', (cents, amount) => {
    expect(fromCents(cents)).toBe(amount)
  })

  it('0 cents -> 0', () => {
    expect(fromCents(0)).toBe(0)
    expect(Object.is(fromCents(0), 0)).toBe(true)
  })

  it('10 + 20 cents is exactly the JSON number 0.3, not 0.1 + 0.2', () => {
    expect(0.1 + 0.2).not.toBe(0.3)
    expect(fromCents(toCents(0.1) + toCents(0.2))).toBe(0.3)
    expect(JSON.stringify(fromCents(30))).toBe('0.3')
  })

  it('prints as the decimal it stands for, and converts back, for any cents up to the limit (seeded sample)', () => {
    const next = mulberry32(42)
    const samples = [0, 1, 99, 100, 101, MAX_TOTAL_CENTS - 1, MAX_TOTAL_CENTS]
    for (let i = 0; i < 20_000; i++) samples.push(below(next, MAX_TOTAL_CENTS + 1))
    const wrong: string[] = []
    for (const cents of samples) {
      for (const signed of cents === 0 ? [0] : [cents, -cents]) {
        const amount = fromCents(signed)
        // What JSON.stringify prints for it must be the decimal itself, trailing zeros trimmed.
        const written = decimalOf(BigInt(signed))
          .replace(/\.00$/, '')
          .replace(/(\.\d)0$/, '$1')
        if (JSON.stringify(amount) !== written || toCents(amount) !== signed) wrong.push(`${signed} -> ${amount}`)
      }
    }
    expect(wrong).toEqual([])
  })
})

describe('MAX_TOTAL_CENTS', () => {
  it('is 9,999,999,999,999.99 in cents: 15 significant digits, a safe integer', () => {
    expect(MAX_TOTAL_CENTS).toBe(999_999_999_999_999)
    expect(Number.isSafeInteger(MAX_TOTAL_CENTS)).toBe(true)
    expect(String(MAX_TOTAL_CENTS)).toHaveLength(15)
    expect(JSON.stringify(fromCents(MAX_TOTAL_CENTS))).toBe('9999999999999.99')
  })

  it('holds 10,000 of the largest single amounts (1,000,000,000), less one cent', () => {
    expect(MAX_TOTAL_CENTS).toBe(10_000 * toCents(1_000_000_000) - 1)
  })

  it('is a limit for a reason: with 16 significant digits, neighbouring cents become the same JSON number', () => {
    // Below the limit every cent has its own JSON number (checked above); near 2^53 cents they collide.
    const far = Number.MAX_SAFE_INTEGER
    const collisions = Array.from({ length: 100 }, (_, i) => far - i).filter((cents) => fromCents(cents) === fromCents(cents - 1))
    expect(collisions.length).toBeGreaterThan(0)
  })
})
