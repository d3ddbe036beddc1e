/**
 * The optional per-user request limit (`RATE_LIMIT_REQUESTS` per
 * `RATE_LIMIT_WINDOW_SECONDS`), announced with the IETF RateLimit header fields
 * (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy` says the quota and window,
 * `RateLimit` what remains and when the window resets. In memory, per process.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'
import { TooManyRequestsError } from '../errors.js'

const POLICY = 'default'

export class RequestLimit {
  private readonly limiter: RateLimiterMemory
  private readonly policyHeader: string

  constructor(
    private readonly requests: number,
    private readonly windowSeconds: number,
  ) {
    this.limiter = new RateLimiterMemory({ keyPrefix: 'requests', points: requests, duration: windowSeconds })
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
    try {
      const state = await this.limiter.consume(String(userId))
      return this.headers(state.remainingPoints, state.msBeforeNext)
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection
      const seconds = rejection.msBeforeNext / 1000
      throw new TooManyRequestsError(
        `You have used your ${this.requests} requests for this ${this.windowSeconds}-second window. Try again in ${Math.max(1, Math.ceil(seconds))} seconds.`,
        seconds,
        this.headers(0, rejection.msBeforeNext),
      )
    }
  }
}
