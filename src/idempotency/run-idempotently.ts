/**
 * `Idempotency-Key` on signed-in creates, applied by the HTTP layer: the first request
 * with a key runs, and its response is stored with the key in the same transaction as
 * whatever it created; a retry with the same key and body gets that response back and
 * creates nothing. The transaction holds the user's lock (inUserTransaction), which is
 * what makes a racing retry wait until the first one has committed, in this process or
 * another on the same database, and then read its key. Keys are per user, for 24 hours.
 */
import type { Database } from '../db/schema.js'
import { inUserTransaction } from '../db/transaction.js'
import type { Clock } from '../timestamps.js'
import { requestHash } from './idempotency.service.js'
import { findStoredResult, rememberResult, type StoredResult } from './stored-results.js'

export interface IdempotentRequest {
  readonly userId: number
  readonly key: string
  readonly operationId: string
  /** The validated body (defaults filled in): the same fields and values, in any order, match. */
  readonly body: unknown
}

/** What a request under a key got: its own result, or the first request's, replayed. */
export type IdempotentOutcome<R> = { readonly result: R; readonly replayed: false } | { readonly result: StoredResult; readonly replayed: true }

/**
 * Runs `create` once per key: its result (stored if it succeeded), or the stored result
 * of the first request with this key, `replayed`. A key's age is by `clock` (AppDeps.clock).
 */
export async function runIdempotently<R extends StoredResult>(
  db: Database,
  request: IdempotentRequest,
  create: (trx: Database) => Promise<R>,
  clock: Clock,
): Promise<IdempotentOutcome<R>> {
  const use = { userId: request.userId, key: request.key, operationId: request.operationId, hash: requestHash(request.operationId, request.body) }
  const now = clock()
  // A row lock on the user (db/transaction.ts), so that retries on any replica look the
  // key up one after another, each after the one before committed its response. Not the
  // key's primary key alone: a racing retry would then create too and fail only at the
  // key's insert, after the work, and need a retry to read the winner's response. Not
  // SERIALIZABLE: retries of one key always conflict, so each would be retried anyway.
  return inUserTransaction(db, request.userId, async (trx): Promise<IdempotentOutcome<R>> => {
    const stored = await findStoredResult(trx, use, now)
    if (stored) return { result: stored, replayed: true }
    const result = await create(trx)
    if (result.status >= 200 && result.status < 300) await rememberResult(trx, use, now, result)
    return { result, replayed: false }
  })
}
