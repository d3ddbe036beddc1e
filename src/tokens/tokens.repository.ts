/**
 * Every SQL statement on `tokens` but the lookup of a bearer token by its hash
 * (auth/auth.repository.ts). Tokens are stored as hashes, never in the clear.
 */
import { type Placeholders, prepareQuery } from '../db/prepared-query.js'
import type { Database } from '../db/schema.js'

const insertTokenQuery = prepareQuery((db, p: Placeholders<{ userId: number; tokenHash: string; createdAt: string; expiresAt: string }>) =>
  db.insertInto('tokens').values({
    user_id: p('userId'),
    token_hash: p('tokenHash'),
    created_at: p('createdAt'),
    expires_at: p('expiresAt'),
  }),
)

export async function insertToken(db: Database, token: { userId: number; tokenHash: string; createdAt: string; expiresAt: string }): Promise<void> {
  const { userId, tokenHash, createdAt, expiresAt } = token
  await insertTokenQuery.execute(db, { userId, tokenHash, createdAt, expiresAt })
}

const deleteTokenQuery = prepareQuery((db, p: Placeholders<{ userId: number; tokenId: number }>) =>
  db.deleteFrom('tokens').where('user_id', '=', p('userId')).where('id', '=', p('tokenId')),
)

export async function deleteToken(db: Database, userId: number, tokenId: number): Promise<void> {
  await deleteTokenQuery.execute(db, { userId, tokenId })
}

const deleteTokensOfUserQuery = prepareQuery((db, p: Placeholders<{ userId: number }>) => db.deleteFrom('tokens').where('user_id', '=', p('userId')))

export async function deleteTokensOfUser(db: Database, userId: number): Promise<void> {
  await deleteTokensOfUserQuery.execute(db, { userId })
}

const deleteExpiredTokensOfUserQuery = prepareQuery((db, p: Placeholders<{ userId: number; now: string }>) =>
  db.deleteFrom('tokens').where('user_id', '=', p('userId')).where('expires_at', '<=', p('now')),
)

export async function deleteExpiredTokensOfUser(db: Database, userId: number, now: string): Promise<void> {
  await deleteExpiredTokensOfUserQuery.execute(db, { userId, now })
}
