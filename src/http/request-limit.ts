/**
 * The optional per-user request limit (`RATE_LIMIT_REQUESTS` per
 * `RATE_LIMIT_WINDOW_SECONDS`), announced with the IETF RateLimit header fields
 * (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy` says the quota and window,
 * `RateLimit` what remains and when the window resets. Counted in the database
 * (rate-limits/rate-limit-store.ts), so a user's quota is one across all replicas.
 */
import { TooManyRequestsError } from '../errors.js'
import type { RateLimitStore, Window } from '../rate-limits/rate-limit-store.js'

const POLICY = 'default'

export class RequestLimit {
  private readonly window: Window
  private readonly policyHeader: string

  constructor(
    private readonly counters: RateLimitStore,
    private readonly requests: number,
    private readonly windowSeconds: number,
  ) {
    this.window = { name: 'requests', points: requests, seconds: windowSeconds }
    this.policyHeader = `"${POLICY}";q=${requests};w=${windowSeconds}`
  }

  private headers(remaining: number, msBeforeReset: number): Record<string, string> {
    return {
      'RateLimit-Policy': this.policyHeader,
      RateLimit: `"${POLICY}";r=${remaining};t=${Math.max(0, Math.ceil(msBeforeReset / 1000))}`,
    }
  }

  /**
   * Counts one request of `userId`: returns the headers to send with its response, or
   * throws {@link TooManyRequestsError} (with the same headers and `Retry-After`) when
   * the user has none left in this window.
   */
  async take(userId: number): Promise<Record<string, string>> {
    const taken = await this.counters.take(this.window, String(userId))
    if (taken.granted) return this.headers(taken.remaining, taken.msBeforeReset)
    const seconds = taken.msBeforeReset / 1000
    throw new TooManyRequestsError(
      `You have used your ${this.requests} requests for this ${this.windowSeconds}-second window. Try again in ${Math.max(1, Math.ceil(seconds))} seconds.`,
      seconds,
      this.headers(0, taken.msBeforeReset),
    )
  }
}
