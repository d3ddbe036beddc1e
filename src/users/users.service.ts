/** Account rules: unique usernames and addresses, hashed passwords, and what a new password revokes. */

import { hashPassword } from '../auth/passwords.js'
import { accountGone } from '../db/account-gone.js'
import { isUniqueViolation } from '../db/errors.js'
import type { Database } from '../db/schema.js'
import type { NewUserRow, UserRow, UserRowUpdate } from '../db/tables/users.table.js'
import { inTransaction } from '../db/transaction.js'
import { ConflictError } from '../errors.js'
import { type Clock, currentTimestamp } from '../timestamps.js'
import { deleteTokensOfUser } from '../tokens/tokens.repository.js'
import { deleteUser, findUserById, insertUser, updateUser, usernameOrEmailTaken } from './users.repository.js'

export function usernameTaken(): ConflictError {
  return new ConflictError('The username is already taken.', [{ pointer: '/username', detail: 'is already taken' }])
}

function emailTaken(): ConflictError {
  return new ConflictError('The email address is already taken.', [{ pointer: '/email', detail: 'is already taken' }])
}

/** Which of a registration's username and email address other accounts already have. */
export interface TakenFields {
  readonly username: boolean
  readonly email: boolean
  /** One account has both: the one this request may be a retry of. */
  readonly sameAccount: boolean
}

/**
 * Checked before the password is hashed, so that a taken name costs no scrypt; the
 * insert's unique constraints still catch a registration racing this one.
 */
function takenFields(db: Database, input: Registration): Promise<TakenFields> {
  return usernameOrEmailTaken(db, input.username, input.email)
}

/** The 409 naming each taken field; undefined when both are free. */
export function registrationConflict(taken: TakenFields): ConflictError | undefined {
  const { username: byName, email: byEmail } = taken
  if (byName && byEmail) {
    return new ConflictError('The username and the email address are already taken.', [
      { pointer: '/username', detail: 'is already taken' },
      { pointer: '/email', detail: 'is already taken' },
    ])
  }
  if (byName) return usernameTaken()
  if (byEmail) return emailTaken()
  return undefined
}

function conflictFrom(error: unknown): never {
  if (isUniqueViolation(error, 'users', 'username')) throw usernameTaken()
  if (isUniqueViolation(error, 'users', 'email')) throw emailTaken()
  throw error
}

/** What registers an account. */
export interface Registration {
  readonly username: string
  readonly email: string
  readonly password: string
}

function newUser(input: Registration, passwordHash: string, clock: Clock): NewUserRow {
  return { username: input.username, email: input.email, password_hash: passwordHash, created_at: currentTimestamp(clock) }
}

export async function registerUser(db: Database, clock: Clock, input: Registration, scryptCost: number): Promise<UserRow> {
  const conflict = registrationConflict(await takenFields(db, input))
  if (conflict) throw conflict
  const passwordHash = await hashPassword(input.password, scryptCost)
  try {
    return await insertUser(db, newUser(input, passwordHash, clock))
  } catch (error) {
    return conflictFrom(error)
  }
}

/**
 * Registers the account under an `Idempotency-Key`, storing the key (`remember`) in the
 * same transaction as the account; or says which fields are taken, for the caller to
 * find out whether by an earlier request with the key. The password is hashed only when
 * both look free, and before the transaction: the write lock is never held for scrypt.
 */
export async function registerUserUnderKey(
  db: Database,
  clock: Clock,
  input: Registration,
  scryptCost: number,
  remember: (trx: Database, created: UserRow) => Promise<void>,
): Promise<{ readonly created: UserRow } | { readonly taken: TakenFields }> {
  // Both in one look: a racing registration could take the username between two.
  const taken = await takenFields(db, input)
  if (taken.username || taken.email) return { taken }
  const passwordHash = await hashPassword(input.password, scryptCost)
  try {
    return await inTransaction(db, async (trx): Promise<{ created: UserRow } | { taken: TakenFields }> => {
      // A racing retry may have registered it meanwhile.
      const takenSince = await takenFields(trx, input)
      if (takenSince.username || takenSince.email) return { taken: takenSince }
      const created = await insertUser(trx, newUser(input, passwordHash, clock))
      await remember(trx, created)
      return { created }
    })
  } catch (error) {
    if (!isUniqueViolation(error, 'users', 'username') && !isUniqueViolation(error, 'users', 'email')) throw error
    // A racing registration committed first. SQLite's one writer at a time makes the
    // check above see it; PostgreSQL's concurrent writers meet at the unique index
    // instead, once the other has committed: so look again, as the check would have.
    return { taken: await takenFields(db, input) }
  }
}

/**
 * Changes the email address and/or password. A new password revokes every token of the
 * user in the same transaction, so no stolen token outlives a password reset. 401 if the
 * account is gone.
 */
export async function changeUser(
  db: Database,
  userId: number,
  input: { email?: string | undefined; password?: string | undefined },
  scryptCost: number,
): Promise<UserRow> {
  const changes: UserRowUpdate = {}
  if (input.email !== undefined) changes.email = input.email
  if (input.password !== undefined) changes.password_hash = await hashPassword(input.password, scryptCost)
  let row: UserRow | undefined
  try {
    row = await inTransaction(db, async (trx) => {
      if (Object.keys(changes).length === 0) return findUserById(trx, userId)
      const changed = await updateUser(trx, userId, changes)
      if (changed && input.password !== undefined) await deleteTokensOfUser(trx, userId)
      return changed
    })
  } catch (error) {
    return conflictFrom(error)
  }
  // Deleted since the request was authenticated.
  if (!row) throw accountGone()
  return row
}

/** The authenticated user's account; 401 if it was deleted since the request was authenticated. */
export async function currentUser(db: Database, userId: number): Promise<UserRow> {
  const row = await findUserById(db, userId)
  if (!row) throw accountGone()
  return row
}

/** Deletes the account and, with it, every row of the user's (users.repository.ts says how). */
export function removeUser(db: Database, userId: number): Promise<void> {
  return deleteUser(db, userId)
}
