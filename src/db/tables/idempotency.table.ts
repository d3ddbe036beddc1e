import type { Selectable } from 'kysely'

/** The `idempotency_keys` table: the first response to each user's key, kept 24 hours. */
export interface IdempotencyKeysTable {
  user_id: number
  key: string
  /** The operation the key was first used with (also covered by `request_hash`). */
  operation_id: string
  /** A hash of the operation and body the key was first used with. */
  request_hash: string
  status: number
  /** The response's `Location`, if it had one. */
  location: string | null
  /** The response body, as sent. */
  body: string
  created_at: string
}

export type IdempotencyKeyRow = Selectable<IdempotencyKeysTable>
