/** Every SQL statement on `users`. Callers pass the owner's id; nothing here trusts input. */
import type { Database } from '../db/schema.js'
import type { NewUserRow, UserRow, UserRowUpdate } from './users.table.js'

export function findUserById(db: Database, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
}

export function findUserByUsername(db: Database, username: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst()
}

/**
 * Whether any account has this username, whether any has this email address (letter
 * case aside: the column is `COLLATE NOCASE`), and whether one account has both; in one
 * statement, and so one snapshot.
 */
export async function usernameOrEmailTaken(
  db: Database,
  username: string,
  email: string,
): Promise<{ username: boolean; email: boolean; sameAccount: boolean }> {
  const rows = await db
    .selectFrom('users')
    .select((eb) => [eb('username', '=', username).as('by_name'), eb('email', '=', email).as('by_email')])
    .where((eb) => eb.or([eb('username', '=', username), eb('email', '=', email)]))
    .execute()
  return {
    username: rows.some((row) => Boolean(row.by_name)),
    email: rows.some((row) => Boolean(row.by_email)),
    sameAccount: rows.some((row) => Boolean(row.by_name) && Boolean(row.by_email)),
  }
}

export function insertUser(db: Database, user: NewUserRow): Promise<UserRow> {
  return db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow()
}

export function updateUser(db: Database, id: number, changes: UserRowUpdate): Promise<UserRow | undefined> {
  return db.updateTable('users').set(changes).where('id', '=', id).returningAll().executeTakeFirst()
}

/** Removes the user; their tokens and tasks go with them (`ON DELETE CASCADE`). */
export async function deleteUser(db: Database, id: number): Promise<void> {
  await db.deleteFrom('users').where('id', '=', id).execute()
}
