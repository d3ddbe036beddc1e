/** One handler per token operation in `openapi.yaml`. */
import { authenticatedUser } from '../http/auth.js'
import type { OperationHandler } from '../core/operations.js'
import { hashTokenSecret, newTokenSecret } from './token-secret.js'
import { deleteExpiredTokensOfUser, deleteToken, insertToken } from './tokens.repository.js'
import { inTransaction } from '../db/transaction.js'
import { whileAccountExists } from '../users/account-gone.js'

export const createToken: OperationHandler<'createToken'> = async (request, { db, config }) => {
  const user = authenticatedUser(request)
  const now = new Date()
  const expiresAt = new Date(now.getTime() + config.tokenTtlSeconds * 1000).toISOString()
  const secret = newTokenSecret()
  // The login was checked before this transaction: the account may be deleted meanwhile.
  await whileAccountExists(() =>
    inTransaction(db, async (trx) => {
      await deleteExpiredTokensOfUser(trx, user.userId, now.toISOString())
      await insertToken(trx, { userId: user.userId, tokenHash: hashTokenSecret(secret), createdAt: now.toISOString(), expiresAt })
    }),
  )
  return { status: 201, body: { token: secret, expires_at: expiresAt } }
}

export const revokeCurrentToken: OperationHandler<'revokeCurrentToken'> = async (request, { db }) => {
  const user = authenticatedUser(request)
  if (user.tokenId !== null) await deleteToken(db, user.userId, user.tokenId)
  return { status: 204 }
}
