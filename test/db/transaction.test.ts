/**
 * inUserTransaction (src/db/transaction.ts) on this run's database: what it asks the
 * database, and what it does when the account is gone. That it makes writers take turns
 * across processes is shown by test/db/replica-races.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/schema.js'
import { inUserTransaction } from '../../src/db/transaction.js'
import { UnauthorizedError } from '../../src/errors.js'
import { createMigratedTestDatabase, type MigratedTestDatabase } from '../support/database.js'

let database: MigratedTestDatabase
let db: Database
const queries: string[] = []

beforeAll(async () => {
  database = await createMigratedTestDatabase({ onQuery: (sql) => queries.push(sql) })
  db = database.db
})

afterAll(async () => {
  await database?.close()
})

async function addUser(username: string): Promise<number> {
  const row = await db
    .insertInto('users')
    .values({ username, email: `${username}@example.com`, password_hash: 'x', created_at: new Date().toISOString() })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

/** The queries `work` ran that read the users table (the lock, or on SQLite the look). */
async function userLookupsDuring(work: () => Promise<unknown>): Promise<string[]> {
  queries.length = 0
  await work()
  return queries.filter((sql) => /from "users"/.test(sql))
}

describe('inUserTransaction', () => {
  it('looks the user up once, nested or not: work nested in a transaction holding the lock joins it without a second round trip', async () => {
    const userId = await addUser('nested')
    const joined: boolean[] = []
    const lookups = await userLookupsDuring(() =>
      inUserTransaction(db, userId, (outer) =>
        inUserTransaction(outer, userId, async (inner) => {
          joined.push(inner === outer)
          return inner.selectFrom('tasks').select('id').where('user_id', '=', userId).execute()
        }),
      ),
    )
    expect(joined).toEqual([true])
    expect(lookups).toHaveLength(1)
  })

  it('locks again for another user inside the same transaction', async () => {
    const [first, second] = [await addUser('first-of-two'), await addUser('second-of-two')]
    const lookups = await userLookupsDuring(() => inUserTransaction(db, first, (trx) => inUserTransaction(trx, second, async () => undefined)))
    expect(lookups).toHaveLength(2)
  })

  it('an account deleted before its turn: 401 UnauthorizedError, and the work never runs', async () => {
    const userId = await addUser('deleted')
    await db.deleteFrom('users').where('id', '=', userId).execute()
    let ran = false
    const outcome = inUserTransaction(db, userId, async () => {
      ran = true
    })
    await expect(outcome).rejects.toBeInstanceOf(UnauthorizedError)
    await expect(outcome).rejects.toMatchObject({ status: 401, message: 'Your account no longer exists.' })
    expect(ran).toBe(false)
  })
})
