/**
 * Token rules: a token is a random secret the client holds and the database keeps only
 * hashed (auth/token-secret.ts); it expires `ttlSeconds` after it is issued, by the
 * service's clock; issuing one clears the user's expired ones, so they do not pile up.
 */

import { hashTokenSecret, newTokenSecret } from '../auth/token-secret.js'
import { whileAccountExists } from '../db/account-gone.js'
import type { Database } from '../db/schema.js'
import { inTransaction } from '../db/transaction.js'
import type { Clock } from '../timestamps.js'
import { deleteExpiredTokensOfUser, deleteToken, insertToken } from './tokens.repository.js'

/** A token just issued: the only time its secret is known. */
export interface IssuedToken {
  readonly secret: string
  readonly expiresAt: string
}

export async function issueToken(db: Database, clock: Clock, userId: number, ttlSeconds: number): Promise<IssuedToken> {
  const now = clock()
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000).toISOString()
  const secret = newTokenSecret()
  // The login was checked before this transaction: the account may be deleted meanwhile.
  await whileAccountExists(() =>
    inTransaction(db, async (trx) => {
      await deleteExpiredTokensOfUser(trx, userId, now.toISOString())
      await insertToken(trx, { userId, tokenHash: hashTokenSecret(secret), createdAt: now.toISOString(), expiresAt })
    }),
  )
  return { secret, expiresAt }
}

/** Revokes the token a request came with; one authenticated otherwise (Basic) has none to revoke. */
export async function revokeToken(db: Database, userId: number, tokenId: number | null): Promise<void> {
  if (tokenId !== null) await deleteToken(db, userId, tokenId)
}
