/**
 * An account deleted while requests of its owner are in flight, on this replica or
 * another: those requests get the 401 the next one would, never a 500 from a foreign key
 * or a 422 that blames a field.
 */

import { UnauthorizedError } from '../errors.js'
import { isForeignKeyViolation } from './errors.js'

export function accountGone(): UnauthorizedError {
  return new UnauthorizedError('Your account no longer exists.')
}

/**
 * Runs an insert whose only foreign key is its owner (`user_id`, `ON DELETE CASCADE`):
 * it commits before the account's deletion (which then takes the row with it) or fails
 * that key after it, and that failure means the account is gone. No lock is needed: the
 * insert depends on nothing it read, and the database's own check of the key on the
 * user's row (`for key share` on PostgreSQL, the one writer at a time on SQLite) orders it.
 */
export async function whileAccountExists<T>(insert: () => Promise<T>): Promise<T> {
  try {
    return await insert()
  } catch (error) {
    if (isForeignKeyViolation(error)) throw accountGone()
    throw error
  }
}
