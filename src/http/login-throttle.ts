/**
 * Slows down password guessing: after too many failed Basic logins for one username, or
 * from one address, every login attempt for it is refused with 429 until the window has
 * passed, even with the right password.
 */
import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible'
import { TooManyRequestsError } from '../errors.js'

/** An address may fail more often than a username: several people can share one. */
const ADDRESS_FACTOR = 4

export class LoginThrottle {
  private readonly byUsername: RateLimiterMemory
  private readonly byAddress: RateLimiterMemory

  constructor(maxFailures: number, windowSeconds: number) {
    this.byUsername = new RateLimiterMemory({ keyPrefix: 'user', points: maxFailures, duration: windowSeconds })
    this.byAddress = new RateLimiterMemory({ keyPrefix: 'addr', points: maxFailures * ADDRESS_FACTOR, duration: windowSeconds })
  }

  /** Throws {@link TooManyRequestsError} while either key is locked out. */
  async assertAllowed(username: string, address: string): Promise<void> {
    const [user, addr] = await Promise.all([this.byUsername.get(username), this.byAddress.get(address)])
    const retryAfterMs = Math.max(
      lockedFor(user, this.byUsername.points),
      lockedFor(addr, this.byAddress.points),
    )
    if (retryAfterMs > 0) {
      throw new TooManyRequestsError(
        `Too many failed logins. Try again in ${Math.ceil(retryAfterMs / 1000)} seconds.`,
        retryAfterMs / 1000,
      )
    }
  }

  async recordFailure(username: string, address: string): Promise<void> {
    await Promise.all([this.byUsername.penalty(username, 1), this.byAddress.penalty(address, 1)])
  }

  async recordSuccess(username: string): Promise<void> {
    await this.byUsername.delete(username)
  }
}

function lockedFor(state: RateLimiterRes | null, points: number): number {
  return state !== null && state.consumedPoints >= points ? state.msBeforeNext : 0
}
