/** Every SQL statement on `idempotency_keys`; each is scoped to the key's owner. */
import type { Database } from '../db/schema.js'
import type { IdempotencyKeyRow } from './idempotency.table.js'

/** The stored response to `key`, if it was stored at or after `notBefore` (by `operationId`, if given). */
export function selectIdempotencyKey(
  db: Database,
  userId: number,
  key: string,
  notBefore: string,
  operationId?: string,
): Promise<IdempotencyKeyRow | undefined> {
  return db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('user_id', '=', userId)
    .where('key', '=', key)
    .where('created_at', '>=', notBefore)
    .$if(operationId !== undefined, (query) => query.where('operation_id', '=', operationId ?? ''))
    .executeTakeFirst()
}

/** Forgets the user's keys stored before `notBefore` (their 24 hours are over). */
export async function deleteExpiredIdempotencyKeys(db: Database, userId: number, notBefore: string): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('user_id', '=', userId).where('created_at', '<', notBefore).execute()
}

export async function insertIdempotencyKey(db: Database, row: IdempotencyKeyRow): Promise<void> {
  await db.insertInto('idempotency_keys').values(row).execute()
}
