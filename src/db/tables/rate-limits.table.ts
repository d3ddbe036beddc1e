/** The `rate_limits` table: one fixed-window counter per key, shared by every replica. */
export interface RateLimitsTable {
  /** The counter's name and a hash of what it counts: `login-username:<sha256>`. */
  key: string
  /** Points taken in the current window; past the limit, takes are refused. */
  points: number
  /** When the window ends (a stored timestamp): from then on the next take starts a new one. */
  expires_at: string
}
