/**
 * `Idempotency-Key` on creates: the first request with a key runs, and its response is
 * stored with the key in the same transaction as whatever it created; a retry with the
 * same key and body gets that response back and creates nothing. The transaction holds
 * the user's lock (inUserTransaction), which is what makes a racing retry wait until the
 * first one has committed, in this process or another on the same database, and then
 * read its key. Keys are per user, for 24 hours.
 */
import type { Database } from '../db/schema.js'
import { inUserTransaction } from '../db/transaction.js'
import {
  deleteExpiredIdempotencyKeys,
  insertIdempotencyKey,
  selectIdempotencyKey,
} from '../idempotency/idempotency.repository.js'
import { keptSince, requestHash, sameRequest } from '../idempotency/idempotency.service.js'
import type { IdempotencyKeyRow } from '../idempotency/idempotency.table.js'
import { type Clock, systemClock } from '../timestamps.js'

/** A response as the idempotency store keeps it. */
export interface StoredResult {
  readonly status: number
  readonly body: unknown
  readonly headers?: { readonly Location?: string }
}

export interface IdempotentRequest {
  readonly userId: number
  readonly key: string
  readonly operationId: string
  /** The validated body (defaults filled in): the same fields and values, in any order, match. */
  readonly body: unknown
}

/** The response a key's first request got, to send again, marked as a replay. */
export function replayOf(stored: IdempotencyKeyRow): StoredResult & { readonly replayed: true } {
  const headers = stored.location === null ? {} : { Location: stored.location }
  return { status: stored.status, body: JSON.parse(stored.body) as unknown, headers, replayed: true }
}

/** Stores a successful result under the user's key, in the transaction that created it. */
export async function rememberResult(
  trx: Database,
  stored: { readonly userId: number; readonly key: string; readonly operationId: string; readonly hash: string; readonly now: Date },
  result: StoredResult,
): Promise<void> {
  await deleteExpiredIdempotencyKeys(trx, stored.userId, keptSince(stored.now))
  await insertIdempotencyKey(trx, {
    user_id: stored.userId,
    key: stored.key,
    operation_id: stored.operationId,
    request_hash: stored.hash,
    status: result.status,
    location: result.headers?.Location ?? null,
    body: JSON.stringify(result.body),
    created_at: stored.now.toISOString(),
  })
}

/**
 * Runs `create` once per key: returns its result (stored if it succeeded), or the stored
 * result of the first request with this key, marked `replayed`.
 */
export async function runIdempotently<R extends StoredResult>(
  db: Database,
  request: IdempotentRequest,
  create: (trx: Database) => Promise<R>,
  clock: Clock = systemClock,
): Promise<R | ReturnType<typeof replayOf>> {
  const hash = requestHash(request.operationId, request.body)
  const now = clock()
  // A row lock on the user (db/transaction.ts), so that retries on any replica look the
  // key up one after another, each after the one before committed its response. Not the
  // key's primary key alone: a racing retry would then create too and fail only at the
  // key's insert, after the work, and need a retry to read the winner's response. Not
  // SERIALIZABLE: retries of one key always conflict, so each would be retried anyway.
  return inUserTransaction(db, request.userId, async (trx) => {
    const stored = await selectIdempotencyKey(trx, request.userId, request.key, keptSince(now))
    if (stored) return replayOf(sameRequest(stored, hash))
    const result = await create(trx)
    if (result.status >= 200 && result.status < 300) {
      await rememberResult(trx, { userId: request.userId, key: request.key, operationId: request.operationId, hash, now }, result)
    }
    return result
  })
}
