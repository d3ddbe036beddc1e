/**
 * Fixed-window counters kept in the database (rate-limits.repository.ts), so that every
 * replica counts the same points: a username locked out on one is locked out on all.
 *
 * A window starts with a subject's first point and lasts its `seconds`; each take is one
 * atomic statement, and the point is granted while the window holds no more than its
 * `points`. Counters whose window has ended are deleted now and then, by whichever take
 * finds the last clean-up old enough, rather than by a timer that would outlive the
 * database it was given.
 */
import { hash } from 'node:crypto'
import type { Database } from '../db/schema.js'
import { type Clock, systemClock } from '../timestamps.js'
import { deleteCounter, deleteExpiredCounters, givePointBack, takePoint } from './rate-limits.repository.js'

/** One kind of counter: its name, and how many points a subject may take per how many seconds. */
export interface Window {
  readonly name: string
  readonly points: number
  readonly seconds: number
}

/** What a take found. */
export interface Taken {
  /** The point is within the window's limit. */
  readonly granted: boolean
  /** Points the subject has left in the window (0 once refused). */
  readonly remaining: number
  /** Milliseconds until the window ends and the subject starts afresh. */
  readonly msBeforeReset: number
}

export interface RateLimitStoreOptions {
  /** The clock that windows start and end by; a test gives its own. */
  readonly clock?: Clock
}

/**
 * The last moment a stored timestamp can hold (past it, toISOString writes `+010000-...`,
 * which no longer sorts as text): a window of millennia (the settings allow any integer of
 * seconds) ends there.
 */
const LAST_TIMESTAMP_MS = Date.parse('9999-12-31T23:59:59.999Z')

/** A minute: the delete reads the `expires_at` index only, and ended rows are harmless meanwhile. */
const CLEANUP_INTERVAL_MS = 60_000

export class RateLimitStore {
  private readonly clock: Clock
  /** When this store next deletes ended windows: at its first take, then every interval. */
  private nextCleanupMs = Number.NEGATIVE_INFINITY

  /** `db` is the database itself, never a request's transaction: a point taken stays taken. */
  constructor(
    private readonly db: Database,
    options: RateLimitStoreOptions = {},
  ) {
    this.clock = options.clock ?? systemClock
  }

  /** Takes one of `subject`'s points in `window`, granted or not. */
  async take(window: Window, subject: string): Promise<Taken> {
    const now = this.clock()
    await this.cleanUpIfDue(now)
    const windowEnd = new Date(Math.min(now.getTime() + window.seconds * 1000, LAST_TIMESTAMP_MS))
    const state = await takePoint(this.db, keyOf(window, subject), now.toISOString(), windowEnd.toISOString())
    return {
      granted: state.points <= window.points,
      remaining: Math.max(0, window.points - state.points),
      msBeforeReset: Math.max(0, Date.parse(state.expires_at) - now.getTime()),
    }
  }

  /** Gives one point back to `subject`'s running window (none to an ended one, none below zero). */
  async giveBack(window: Window, subject: string): Promise<void> {
    await givePointBack(this.db, keyOf(window, subject), this.clock().toISOString())
  }

  /** Forgets `subject`'s window: its next take starts a new one. */
  async forget(window: Window, subject: string): Promise<void> {
    await deleteCounter(this.db, keyOf(window, subject))
  }

  private async cleanUpIfDue(now: Date): Promise<void> {
    if (now.getTime() < this.nextCleanupMs) return
    this.nextCleanupMs = now.getTime() + CLEANUP_INTERVAL_MS
    await deleteExpiredCounters(this.db, now.toISOString())
  }
}

/**
 * The row's key: the window's name and a hash of the subject, so that a username or a
 * forwarded address of any length makes a key of one short length (PostgreSQL refuses
 * index entries over about 2.7 kB), and none is stored as itself.
 */
function keyOf(window: Window, subject: string): string {
  return `${window.name}:${hash('sha256', subject, 'base64url')}`
}
