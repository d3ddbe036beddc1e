/**
 * `Idempotency-Key` on creates: the first request with a key runs, and its response is
 * stored with the key in the same transaction as whatever it created; a retry with the
 * same key and body gets that response back and creates nothing. The transaction is
 * what makes a racing retry wait: it cannot read the key until the first one commits,
 * in this process or in another on the same database. Keys are per user, for 24 hours.
 */
import { createHash } from 'node:crypto'
import { stringify as stableStringify } from 'safe-stable-stringify'
import type { Database } from '../db/schema.js'
import { inTransaction } from '../db/transaction.js'
import { IdempotencyKeyReusedError } from '../errors.js'
import {
  deleteExpiredIdempotencyKeys,
  insertIdempotencyKey,
  selectIdempotencyKey,
} from '../idempotency/idempotency.repository.js'

const KEPT_FOR_MS = 24 * 60 * 60 * 1000

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

/** The operation and body, with object members in a fixed order: JSON does not order them. */
function fingerprint(request: IdempotentRequest): string {
  return createHash('sha256').update(`${request.operationId}\n${stableStringify(request.body)}`).digest('base64url')
}

/**
 * Runs `create` once per key: returns its result (stored if it succeeded), or the stored
 * result of the first request with this key, marked `replayed`.
 */
export async function runIdempotently<R extends StoredResult>(
  db: Database,
  request: IdempotentRequest,
  create: (trx: Database) => Promise<R>,
): Promise<{ result: R | StoredResult; replayed: boolean }> {
  const hash = fingerprint(request)
  const now = new Date()
  const notBefore = new Date(now.getTime() - KEPT_FOR_MS).toISOString()
  return inTransaction(db, async (trx) => {
    const stored = await selectIdempotencyKey(trx, request.userId, request.key, notBefore)
    if (stored) {
      if (stored.request_hash !== hash) {
        throw new IdempotencyKeyReusedError(
          'This Idempotency-Key was used with a different request in the last 24 hours. Use a new key for a new request.',
          [{ parameter: 'Idempotency-Key', detail: 'was used with a different request' }],
        )
      }
      const headers = stored.location === null ? {} : { Location: stored.location }
      return { result: { status: stored.status, body: JSON.parse(stored.body) as unknown, headers }, replayed: true }
    }
    const result = await create(trx)
    if (result.status >= 200 && result.status < 300) {
      await deleteExpiredIdempotencyKeys(trx, request.userId, notBefore)
      await insertIdempotencyKey(trx, {
        user_id: request.userId,
        key: request.key,
        request_hash: hash,
        status: result.status,
        location: result.headers?.Location ?? null,
        body: JSON.stringify(result.body),
        created_at: now.toISOString(),
      })
    }
    return { result, replayed: false }
  })
}
