/**
 * Every SQL statement on `users` but the login lookup by username (auth/auth.repository.ts).
 * Callers pass the owner's id; nothing here trusts input.
 */
import { emailKey } from '../db/dialect-specific.js'
import { type Placeholders, prepareQuery } from '../db/prepared-query.js'
import type { Database } from '../db/schema.js'
import type { NewUserRow, UserRow, UserRowUpdate } from '../db/tables/users.table.js'

const findUserByIdQuery = prepareQuery((db, p: Placeholders<{ id: number }>) => db.selectFrom('users').selectAll().where('id', '=', p('id')))

export function findUserById(db: Database, id: number): Promise<UserRow | undefined> {
  return findUserByIdQuery.executeTakeFirst(db, { id })
}

const usernameOrEmailTakenQuery = prepareQuery((db, p: Placeholders<{ username: string; email: string }>) =>
  db
    .selectFrom('users')
    .select((eb) => [eb('username', '=', p('username')).as('by_name'), eb(emailKey(db, eb.ref('email')), '=', emailKey(db, eb.val(p('email')))).as('by_email')])
    .where((eb) => eb.or([eb('username', '=', p('username')), eb(emailKey(db, eb.ref('email')), '=', emailKey(db, eb.val(p('email'))))])),
)

/**
 * Whether any account has this username, whether any has this email address (letter
 * case aside: `emailKey`, as the unique index compares), and whether one account has both; in one
 * statement, and so one snapshot.
 */
export async function usernameOrEmailTaken(db: Database, username: string, email: string): Promise<{ username: boolean; email: boolean; sameAccount: boolean }> {
  const { rows } = await usernameOrEmailTakenQuery.execute(db, { username, email })
  return {
    username: rows.some((row) => Boolean(row.by_name)),
    email: rows.some((row) => Boolean(row.by_email)),
    sameAccount: rows.some((row) => Boolean(row.by_name) && Boolean(row.by_email)),
  }
}

const insertUserQuery = prepareQuery((db, p: Placeholders<{ username: string; email: string; passwordHash: string; createdAt: string }>) =>
  db
    .insertInto('users')
    .values({ username: p('username'), email: p('email'), password_hash: p('passwordHash'), created_at: p('createdAt') })
    .returningAll(),
)

export function insertUser(db: Database, user: NewUserRow): Promise<UserRow> {
  const { id, username, email, password_hash: passwordHash, created_at: createdAt } = user
  // A row with its id chosen is another statement; the service never chooses one.
  if (id !== undefined) return db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow()
  return insertUserQuery.executeTakeFirstOrThrow(db, { username, email, passwordHash, createdAt })
}

export function updateUser(db: Database, id: number, changes: UserRowUpdate): Promise<UserRow | undefined> {
  return db.updateTable('users').set(changes).where('id', '=', id).returningAll().executeTakeFirst()
}

const deleteUserQuery = prepareQuery((db, p: Placeholders<{ id: number }>) => db.deleteFrom('users').where('id', '=', p('id')))

/**
 * Removes the user; every row of theirs goes with them (`ON DELETE CASCADE` on each
 * `user_id`). No lock of ours is needed: the DELETE takes the strongest row lock on the
 * user (`for update` on PostgreSQL), so it waits for every writer holding the user's
 * lock (db/transaction.ts) or inserting a row that references them, and the cascade then
 * takes what they committed; a writer coming after it finds the account gone and answers
 * 401 (db/account-gone.ts). On SQLite the one writer at a time orders the same way.
 */
export async function deleteUser(db: Database, id: number): Promise<void> {
  await deleteUserQuery.execute(db, { id })
}
