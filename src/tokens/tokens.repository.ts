/** Every SQL statement on `tokens`. Tokens are looked up by hash, never stored in the clear. */
import type { Database } from '../db/schema.js'

export interface ActiveToken {
  readonly tokenId: number
  readonly userId: number
  readonly username: string
}

export async function insertToken(
  db: Database,
  token: { userId: number; tokenHash: string; createdAt: string; expiresAt: string },
): Promise<void> {
  await db
    .insertInto('tokens')
    .values({ user_id: token.userId, token_hash: token.tokenHash, created_at: token.createdAt, expires_at: token.expiresAt })
    .execute()
}

export function findActiveToken(db: Database, tokenHash: string, now: string): Promise<ActiveToken | undefined> {
  return db
    .selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.user_id')
    .select(['tokens.id as tokenId', 'users.id as userId', 'users.username as username'])
    .where('tokens.token_hash', '=', tokenHash)
    .where('tokens.expires_at', '>', now)
    .executeTakeFirst()
}

export async function deleteToken(db: Database, userId: number, tokenId: number): Promise<void> {
  await db.deleteFrom('tokens').where('user_id', '=', userId).where('id', '=', tokenId).execute()
}

export async function deleteTokensOfUser(db: Database, userId: number): Promise<void> {
  await db.deleteFrom('tokens').where('user_id', '=', userId).execute()
}

export async function deleteExpiredTokensOfUser(db: Database, userId: number, now: string): Promise<void> {
  await db.deleteFrom('tokens').where('user_id', '=', userId).where('expires_at', '<=', now).execute()
}
