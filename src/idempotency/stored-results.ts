/**
 * The responses kept under `Idempotency-Key`s: stored with the key in the transaction
 * that created what they describe, and found again for a retry. Both the layer's
 * runner (run-idempotently.ts) and registration's own (users/users.handlers.ts, whose key
 * has no owner until the account exists) store and find them here.
 */
import type { Database } from '../db/schema.js'
import { deleteExpiredIdempotencyKeys, insertIdempotencyKey, selectIdempotencyKey } from './idempotency.repository.js'
import { keptSince, sameRequest } from './idempotency.service.js'

/** A response as the idempotency store keeps it. */
export interface StoredResult {
  readonly status: number
  readonly body: unknown
  readonly headers?: { readonly Location?: string }
}

/** A user's key and what it stands for. */
export interface KeyUse {
  readonly userId: number
  readonly key: string
  readonly operationId: string
  /** The request's hash (idempotency.service.ts requestHash). */
  readonly hash: string
}

/** Stores a successful result under the user's key, in the transaction that created it. */
export async function rememberResult(trx: Database, use: KeyUse, now: Date, result: StoredResult): Promise<void> {
  await deleteExpiredIdempotencyKeys(trx, use.userId, keptSince(now))
  await insertIdempotencyKey(trx, {
    user_id: use.userId,
    key: use.key,
    operation_id: use.operationId,
    request_hash: use.hash,
    status: result.status,
    location: result.headers?.Location ?? null,
    body: JSON.stringify(result.body),
    created_at: now.toISOString(),
  })
}

/**
 * The response stored under the user's key, if it is still kept at `now`; a 422 when the
 * key was first used with another request. `sameOperationOnly`: look only at keys that
 * `use.operationId` stored (a key used by another operation is then not found).
 */
export async function findStoredResult(db: Database, use: KeyUse, now: Date, sameOperationOnly = false): Promise<StoredResult | undefined> {
  const stored = await selectIdempotencyKey(db, use.userId, use.key, keptSince(now), sameOperationOnly ? use.operationId : undefined)
  if (!stored) return undefined
  sameRequest(stored, use.hash)
  const headers = stored.location === null ? {} : { Location: stored.location }
  return { status: stored.status, body: JSON.parse(stored.body) as unknown, headers }
}

/** Marks a result a handler returns as a stored one sent again: the result writer then says so (`Idempotent-Replayed`). */
const REPLAYED = Symbol('replayed')

/** `result`, marked as the replay of a stored response (registration's, which its handler finds itself). */
export function markReplayed<R extends object>(result: R): R {
  return Object.assign(result, { [REPLAYED]: true })
}

/** Whether a handler's result is a stored response sent again ({@link markReplayed}). */
export function isReplayed(result: object): boolean {
  return (result as { [REPLAYED]?: true })[REPLAYED] === true
}
