/**
 * Slows down password guessing: after too many failed Basic logins for one username, or
 * from one address, every login attempt for it is refused with 429 until the window has
 * passed, even with the right password. The counts live in the database
 * (rate-limits/rate-limit-store.ts), so failures on any replica count on all of them.
 *
 * Each attempt takes its point *before* the (slow) password check and gives it back only
 * on success, so a burst of parallel guesses cannot all slip in before the first failure
 * is counted.
 */
import { createHash } from 'node:crypto'
import { TooManyRequestsError } from '../errors.js'
import type { RateLimitStore, Taken, Window } from '../rate-limits/rate-limit-store.js'
import type { Principal } from './principal.js'

/** An address may fail more often than a username: several people can share one. */
const ADDRESS_FACTOR = 4

export class LoginThrottle {
  private readonly byUsername: Window
  private readonly byAddress: Window
  /**
   * Checks in flight in this process, by a hash of what they check: see {@link once}. In
   * memory on purpose: it only joins identical checks that are running at the same moment.
   */
  private readonly inFlight = new Map<string, Promise<Principal | undefined>>()

  constructor(
    private readonly counters: RateLimitStore,
    maxFailures: number,
    windowSeconds: number,
  ) {
    this.byUsername = { name: 'login-username', points: maxFailures, seconds: windowSeconds }
    this.byAddress = { name: 'login-address', points: maxFailures * ADDRESS_FACTOR, seconds: windowSeconds }
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
    check: () => Promise<Principal | undefined>,
  ): Promise<Principal | undefined> {
    // Hashed so that no password sits in the map as itself.
    const key = createHash('sha256')
      .update(JSON.stringify([credentials.username, credentials.password, address]))
      .digest('base64')
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
    const forUsername = await this.counters.take(this.byUsername, username)
    if (!forUsername.granted) throw tooMany(forUsername)
    let forAddress: Taken
    try {
      forAddress = await this.counters.take(this.byAddress, address)
    } catch (error) {
      // Our failure (the database is down), not a guess: the username's point goes back if it can.
      await this.counters.giveBack(this.byUsername, username).catch(() => undefined)
      throw error
    }
    if (!forAddress.granted) {
      await this.counters.giveBack(this.byUsername, username)
      throw tooMany(forAddress)
    }
  }

  /** The attempt could not be judged (an internal error): give both points back. */
  async refund(username: string, address: string): Promise<void> {
    await Promise.all([this.counters.giveBack(this.byUsername, username), this.counters.giveBack(this.byAddress, address)])
  }

  /** The attempt was a good login: forget the username's failures and return the address's point. */
  async succeeded(username: string, address: string): Promise<void> {
    await Promise.all([this.counters.forget(this.byUsername, username), this.counters.giveBack(this.byAddress, address)])
  }
}

function tooMany(refused: Taken): TooManyRequestsError {
  const seconds = Math.max(1, Math.ceil(refused.msBeforeReset / 1000))
  return new TooManyRequestsError(`Too many failed logins. Try again in ${seconds} seconds.`, seconds)
}
