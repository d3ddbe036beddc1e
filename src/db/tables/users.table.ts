import type { Generated, Insertable, Selectable, Updateable } from 'kysely'

/** The `users` table. `password_hash` is read only by src/users/ and the login lookup (src/auth/auth.repository.ts), and never leaves the server. */
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
