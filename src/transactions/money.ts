/**
 * Amounts in the API are JSON numbers with at most two decimal places; in the database
 * they are whole cents. The conversion is decimal (big.js), never binary floating point:
 * `0.07 * 100` is 7.000000000000001 in JavaScript.
 */
import { Big } from 'big.js'

/**
 * The most a total may hold, in cents. Up to 15 significant digits a JSON number is read
 * back as exactly the decimal that was written, so every total stays exact.
 */
export const MAX_TOTAL_CENTS = 999_999_999_999_999

/** An amount the schema has accepted (a multiple of 0.01) as whole cents. */
export function toCents(amount: number): number {
  return new Big(amount).times(100).toNumber()
}

/** Whole cents as the JSON number with at most two decimal places that they stand for. */
export function fromCents(cents: number): number {
  return Number(new Big(cents).div(100).toString())
}
