/** Every SQL statement on `idempotency_keys`; each is scoped to the key's owner. */
import { type Placeholders, prepareQuery } from '../db/prepared-query.js'
import type { Database } from '../db/schema.js'
import type { IdempotencyKeyRow } from '../db/tables/idempotency.table.js'

type KeyLookup = { userId: number; key: string; notBefore: string }

const selectIdempotencyKeyQuery = prepareQuery((db, p: Placeholders<KeyLookup>) =>
  db.selectFrom('idempotency_keys').selectAll().where('user_id', '=', p('userId')).where('key', '=', p('key')).where('created_at', '>=', p('notBefore')),
)

const selectIdempotencyKeyOfOperationQuery = prepareQuery((db, p: Placeholders<KeyLookup & { operationId: string }>) =>
  db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('user_id', '=', p('userId'))
    .where('key', '=', p('key'))
    .where('created_at', '>=', p('notBefore'))
    .where('operation_id', '=', p('operationId')),
)

/** The stored response to `key`, if it was stored at or after `notBefore` (by `operationId`, if given). */
export function selectIdempotencyKey(db: Database, userId: number, key: string, notBefore: string, operationId?: string): Promise<IdempotencyKeyRow | undefined> {
  return operationId === undefined
    ? selectIdempotencyKeyQuery.executeTakeFirst(db, { userId, key, notBefore })
    : selectIdempotencyKeyOfOperationQuery.executeTakeFirst(db, { userId, key, notBefore, operationId })
}

const deleteExpiredIdempotencyKeysQuery = prepareQuery((db, p: Placeholders<{ userId: number; notBefore: string }>) =>
  db.deleteFrom('idempotency_keys').where('user_id', '=', p('userId')).where('created_at', '<', p('notBefore')),
)

/** Forgets the user's keys stored before `notBefore` (their 24 hours are over). */
export async function deleteExpiredIdempotencyKeys(db: Database, userId: number, notBefore: string): Promise<void> {
  await deleteExpiredIdempotencyKeysQuery.execute(db, { userId, notBefore })
}

const insertIdempotencyKeyQuery = prepareQuery((db, p: Placeholders<IdempotencyKeyRow>) =>
  db.insertInto('idempotency_keys').values({
    user_id: p('user_id'),
    key: p('key'),
    operation_id: p('operation_id'),
    request_hash: p('request_hash'),
    status: p('status'),
    location: p('location'),
    body: p('body'),
    created_at: p('created_at'),
  }),
)

export async function insertIdempotencyKey(db: Database, row: IdempotencyKeyRow): Promise<void> {
  const { user_id, key, operation_id, request_hash, status, location, body, created_at } = row
  await insertIdempotencyKeyQuery.execute(db, { user_id, key, operation_id, request_hash, status, location, body, created_at })
}
