/** Account rules: unique usernames and addresses, hashed passwords, and what a new password revokes. */
import type { Database } from '../db/schema.js'
import { isUniqueViolation } from '../db/errors.js'
import { ConflictError } from '../errors.js'
import { deleteTokensOfUser } from '../tokens/tokens.repository.js'
import { hashPassword } from './passwords.js'
import { inTransaction } from '../db/transaction.js'
import { selectIdempotencyKey } from '../idempotency/idempotency.repository.js'
import { keptSince } from '../idempotency/idempotency.service.js'
import type { IdempotencyKeyRow } from '../idempotency/idempotency.table.js'
import { findUserByUsername, insertUser, updateUser } from './users.repository.js'
import type { NewUserRow, UserRow, UserRowUpdate } from './users.table.js'

function conflictFrom(error: unknown): never {
  if (isUniqueViolation(error, 'users', 'username')) {
    throw new ConflictError('The username is already taken.', [{ pointer: '/username', detail: 'is already taken' }])
  }
  if (isUniqueViolation(error, 'users', 'email')) {
    throw new ConflictError('The email address is already taken.', [{ pointer: '/email', detail: 'is already taken' }])
  }
  throw error
}

/** What registers an account. */
export interface Registration {
  readonly username: string
  readonly email: string
  readonly password: string
}

function newUser(input: Registration, passwordHash: string): NewUserRow {
  return { username: input.username, email: input.email, password_hash: passwordHash, created_at: new Date().toISOString() }
}

export async function registerUser(db: Database, input: Registration, scryptCost: number): Promise<UserRow> {
  const passwordHash = await hashPassword(input.password, scryptCost)
  try {
    return await insertUser(db, newUser(input, passwordHash))
  } catch (error) {
    return conflictFrom(error)
  }
}

/**
 * A registration under an `Idempotency-Key`: the account it created, or the account an
 * earlier request with the key created (with the key as stored), for the caller to check
 * that it is the same request and replay.
 */
export type KeyedRegistration =
  | { readonly created: UserRow }
  | { readonly earlier: { readonly user: UserRow; readonly stored: IdempotencyKeyRow } }

/**
 * Registers the account unless an earlier request with `key` already did; `remember`
 * stores the key in the same transaction as the new account. A key with no owner yet
 * belongs to the account the request names, so it is looked for under that username.
 * The password is hashed before the transaction: the write lock is never held for scrypt.
 */
export async function registerUserUnderKey(
  db: Database,
  input: Registration,
  scryptCost: number,
  key: string,
  remember: (trx: Database, created: UserRow) => Promise<void>,
): Promise<KeyedRegistration> {
  const passwordHash = await hashPassword(input.password, scryptCost)
  const now = new Date()
  try {
    return await inTransaction(db, async (trx): Promise<KeyedRegistration> => {
      const taken = await findUserByUsername(trx, input.username)
      const stored = taken && (await selectIdempotencyKey(trx, taken.id, key, keptSince(now)))
      if (taken && stored) return { earlier: { user: taken, stored } }
      // A username taken without this key is a conflict, raised by the insert.
      const created = await insertUser(trx, newUser(input, passwordHash))
      await remember(trx, created)
      return { created }
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
