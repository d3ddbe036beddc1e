import type { Generated, Insertable, Selectable, Updateable } from 'kysely'

/** The `users` table. `password_hash` never leaves the users feature (src/users/). */
export interface UsersTable {
  id: Generated<number>
  username: string
  /** Unique ignoring case (`COLLATE NOCASE`). */
  email: string
  password_hash: string
  created_at: string
}

export type UserRow = Selectable<UsersTable>
export type NewUserRow = Insertable<UsersTable>
export type UserRowUpdate = Updateable<UsersTable>
