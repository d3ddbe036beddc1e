/**
 * One database for every server in a run, built with the service's own migrations,
 * repositories and token hashing, so every server reads exactly the schema and rows the
 * service would have written itself: the SQLite file both servers share, and for the
 * PostgreSQL section a PostgreSQL database seeded the same way (the same users, the same
 * tasks in the same order, so the same ids, and the same token secrets). Tasks go in by the batch inside one transaction:
 * 100,000 rows take about a second that way, against minutes through the HTTP API.
 *
 * Each purpose gets its own user, so that writes under load never change the size of a
 * list being measured: one user per list size, and a writer for creates and updates.
 */

import { hashPassword } from '../../src/auth/passwords.js'
import { hashTokenSecret, newTokenSecret } from '../../src/auth/token-secret.js'
import { migrateToLatest, openDatabase } from '../../src/db/connection.js'
import type { Database } from '../../src/db/schema.js'
import { insertToken } from '../../src/tokens/tokens.repository.js'
import { insertUser } from '../../src/users/users.repository.js'

export interface SeededUser {
  readonly username: string
  /** The Bearer secret; the database holds only its SHA-256. */
  readonly token: string
  /** Ids of this user's tasks, oldest first. */
  readonly taskIds: readonly number[]
}

export interface Seeded {
  /** One user per list size, keyed by the number of tasks they own. */
  readonly lists: ReadonlyMap<number, SeededUser>
  /** Owns a thousand tasks for updates; creates add to them. */
  readonly writer: SeededUser
}

/** Rows per INSERT: 7 columns each, well under SQLite's 32,766 bound parameters (and PostgreSQL's 65,535). */
const BATCH = 1000
/** The tasks' created_at start here and step one second per task, so every sort order is total. */
const EPOCH = Date.parse('2026-01-01T00:00:00.000Z')
/** Password hashes are never checked by the benchmark (it uses Bearer tokens); a low cost keeps seeding quick. */
const SCRYPT_COST = 1024
/** Longer than any run; the servers check expiry on every request. */
const TOKEN_TTL_MS = 24 * 3600 * 1000

async function seedUser(db: Database, username: string, tasks: number, token: string): Promise<SeededUser> {
  const now = new Date().toISOString()
  const user = await insertUser(db, {
    username,
    email: `${username}@example.com`,
    password_hash: await hashPassword(`${username}-secret-pw`, SCRYPT_COST),
    created_at: now,
  })
  await insertToken(db, {
    userId: user.id,
    tokenHash: hashTokenSecret(token),
    createdAt: now,
    expiresAt: new Date(Date.now() + TOKEN_TTL_MS).toISOString(),
  })
  const taskIds = await db.transaction().execute(async (trx) => {
    const ids: number[] = []
    for (let start = 0; start < tasks; start += BATCH) {
      const rows = Array.from({ length: Math.min(BATCH, tasks - start) }, (_, k) => {
        const i = start + k
        const at = new Date(EPOCH + i * 1000).toISOString()
        return {
          user_id: user.id,
          title: `Task ${i + 1} of ${username}`,
          description: i % 3 === 0 ? '' : `Step ${i + 1}: something worth remembering to do.`,
          done: i % 4 === 0 ? 1 : 0,
          created_at: at,
          updated_at: at,
        }
      })
      const inserted = await trx.insertInto('tasks').values(rows).returning('id').execute()
      ids.push(...inserted.map((row) => row.id))
    }
    return ids
  })
  return { username, token, taskIds }
}

/**
 * Migrates and seeds the empty database at `databaseUrl` (a SQLite path or a postgres://
 * URL). Given `like`, an earlier seeding of another database, the users get its token
 * secrets, so that one set of requests serves both databases.
 */
export async function seedDatabase(databaseUrl: string, listRows: readonly number[], like?: Seeded): Promise<Seeded> {
  const db = openDatabase(databaseUrl)
  try {
    await migrateToLatest(db)
    const lists = new Map<number, SeededUser>()
    for (const rows of listRows) lists.set(rows, await seedUser(db, `lists${rows}`, rows, like?.lists.get(rows)?.token ?? newTokenSecret()))
    const writer = await seedUser(db, 'writer', 1000, like?.writer.token ?? newTokenSecret())
    return { lists, writer }
  } finally {
    await db.destroy()
  }
}
