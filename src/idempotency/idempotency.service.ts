/**
 * The rules of `Idempotency-Key`s, whoever owns them: a key is kept 24 hours, and stands
 * for the one request (operation and body) it was first used with.
 */
import { createHash } from 'node:crypto'
import { stringify as stableStringify } from 'safe-stable-stringify'
import type { IdempotencyKeyRow } from '../db/tables/idempotency.table.js'
import { IdempotencyKeyReusedError } from '../errors.js'

const KEPT_FOR_MS = 24 * 60 * 60 * 1000

/** The `created_at` from which a key is still kept at `now`. */
export function keptSince(now: Date): string {
  return new Date(now.getTime() - KEPT_FOR_MS).toISOString()
}

/**
 * The operation and body, with object members in a fixed order: JSON does not order them.
 * Never pass a password: this hash is fast, and it is stored.
 */
export function requestHash(operationId: string, body: unknown): string {
  return createHash('sha256')
    .update(`${operationId}\n${stableStringify(body)}`)
    .digest('base64url')
}

function keyReused(): IdempotencyKeyReusedError {
  return new IdempotencyKeyReusedError('This Idempotency-Key was used with a different request in the last 24 hours. Use a new key for a new request.', [
    { parameter: 'Idempotency-Key', detail: 'was used with a different request' },
  ])
}

/** The stored key, if `hash` is the request it was first used with; 422 otherwise. */
export function sameRequest(stored: IdempotencyKeyRow, hash: string): IdempotencyKeyRow {
  if (stored.request_hash !== hash) throw keyReused()
  return stored
}
