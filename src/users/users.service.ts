/** Account rules: unique usernames and addresses, hashed passwords, and what a new password revokes. */
import type { Database } from '../db/schema.js'
import { isUniqueViolation } from '../db/errors.js'
import { ConflictError } from '../errors.js'
import { deleteTokensOfUser } from '../tokens/tokens.repository.js'
import { hashPassword } from './passwords.js'
import { insertUser, updateUser } from './users.repository.js'
import type { UserRow, UserRowUpdate } from './users.table.js'
import { inTransaction } from '../db/transaction.js'

function conflictFrom(error: unknown): never {
  if (isUniqueViolation(error, 'users', 'username')) {
    throw new ConflictError('The username is already taken.', [{ pointer: '/username', detail: 'is already taken' }])
  }
  if (isUniqueViolation(error, 'users', 'email')) {
    throw new ConflictError('The email address is already taken.', [{ pointer: '/email', detail: 'is already taken' }])
  }
  throw error
}

export async function registerUser(
  db: Database,
  input: { username: string; email: string; password: string },
  scryptCost: number,
): Promise<UserRow> {
  const passwordHash = await hashPassword(input.password, scryptCost)
  try {
    return await insertUser(db, {
      username: input.username,
      email: input.email,
      password_hash: passwordHash,
      created_at: new Date().toISOString(),
    })
  } catch (error) {
    return conflictFrom(error)
  }
}

/**
 * Changes the email address and/or password. A new password revokes every token of the
 * user in the same transaction, so no stolen token outlives a password reset.
 */
export async function changeUser(
  db: Database,
  userId: number,
  input: { email?: string | undefined; password?: string | undefined },
  scryptCost: number,
): Promise<UserRow | undefined> {
  const changes: UserRowUpdate = {}
  if (input.email !== undefined) changes.email = input.email
  if (input.password !== undefined) changes.password_hash = await hashPassword(input.password, scryptCost)
  try {
    return await inTransaction(db, async (trx) => {
      if (Object.keys(changes).length === 0) return trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst()
      const row = await updateUser(trx, userId, changes)
      if (row && input.password !== undefined) await deleteTokensOfUser(trx, userId)
      return row
    })
  } catch (error) {
    return conflictFrom(error)
  }
}
