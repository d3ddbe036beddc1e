/**
 * Slows down password guessing: after too many failed Basic logins for one username, or
 * from one address, every login attempt for it is refused with 429 until the window has
 * passed, even with the right password.
 *
 * Each attempt takes its point *before* the (slow) password check and gives it back only
 * on success, so a burst of parallel guesses cannot all slip in before the first failure
 * is counted.
 */
import { createHash } from 'node:crypto'
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'
import { TooManyRequestsError } from '../errors.js'
import type { UserRow } from '../users/users.table.js'

/** An address may fail more often than a username: several people can share one. */
const ADDRESS_FACTOR = 4

export class LoginThrottle {
  private readonly byUsername: RateLimiterMemory
  private readonly byAddress: RateLimiterMemory
  /** Checks in flight, by a hash of what they check: see {@link once}. */
  private readonly inFlight = new Map<string, Promise<UserRow | undefined>>()

  constructor(maxFailures: number, windowSeconds: number) {
    this.byUsername = new RateLimiterMemory({ keyPrefix: 'user', points: maxFailures, duration: windowSeconds })
    this.byAddress = new RateLimiterMemory({ keyPrefix: 'addr', points: maxFailures * ADDRESS_FACTOR, duration: windowSeconds })
  }

  /**
   * Runs `check` once for identical logins in flight together (same username, password and
   * address), and gives each the same outcome. A client retrying in parallel (ten racing
   * retries of one registration, say) makes one attempt, not ten that lock it out; a guesser
   * gains nothing, since each different password is its own attempt.
   */
  once(
    credentials: { readonly username: string; readonly password: string },
    address: string,
    check: () => Promise<UserRow | undefined>,
  ): Promise<UserRow | undefined> {
    // Hashed so that no password sits in the map as itself.
    const key = createHash('sha256').update(JSON.stringify([credentials.username, credentials.password, address])).digest('base64')
    const running = this.inFlight.get(key)
    if (running) return running
    const checked = check().finally(() => this.inFlight.delete(key))
    this.inFlight.set(key, checked)
    return checked
  }

  /**
   * Takes one attempt for `username` from `address`, or throws {@link TooManyRequestsError}
   * while either is locked out. An attempt counts as a failure until {@link succeeded}.
   */
  async attempt(username: string, address: string): Promise<void> {
    try {
      await this.byUsername.consume(username)
    } catch (rejection) {
      throw tooMany(rejection)
    }
    try {
      await this.byAddress.consume(address)
    } catch (rejection) {
      await this.byUsername.reward(username)
      throw tooMany(rejection)
    }
  }

  /** The attempt could not be judged (an internal error): give both points back. */
  async refund(username: string, address: string): Promise<void> {
    await Promise.all([this.byUsername.reward(username), this.byAddress.reward(address)])
  }

  /** The attempt was a good login: forget the username's failures and return the address's point. */
  async succeeded(username: string, address: string): Promise<void> {
    await Promise.all([this.byUsername.delete(username), this.byAddress.reward(address)])
  }
}

function tooMany(rejection: unknown): Error {
  if (!(rejection instanceof RateLimiterRes)) return rejection instanceof Error ? rejection : new Error(String(rejection))
  const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000))
  return new TooManyRequestsError(`Too many failed logins. Try again in ${seconds} seconds.`, seconds)
}
