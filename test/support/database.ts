/**
 * A fresh, empty database for a test: a SQLite file in a temporary directory, or with
 * `TEST_DATABASE=postgres` a PostgreSQL database of its own (created on the server at
 * `TEST_POSTGRES_URL`, by default the local one with trust authentication), so that
 * test files stay parallel and never see each other's rows. `drop()` removes it.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Kysely, sql } from 'kysely'
import pg from 'pg'
import { type DatabaseOptions, migrateToLatest, openDatabase } from '../../src/db/connection.js'
import type { Database, DatabaseSchema } from '../../src/db/schema.js'

export interface TestDatabase {
  /** What DATABASE_URL would be for a server on it. */
  readonly url: string
  drop(): Promise<void>
}

type TestDatabaseKind = 'sqlite' | 'postgres'

/** Which database this test run is for: `TEST_DATABASE=postgres`, or SQLite. */
export const testDatabaseKind: TestDatabaseKind = process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite'

/** The maintenance database of the server the test databases are made on. */
const adminUrl = process.env.TEST_POSTGRES_URL ?? `postgres://${process.env.PGUSER ?? process.env.USER ?? 'postgres'}@127.0.0.1:5432/postgres`

async function asAdmin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

function withDatabase(url: string, name: string): string {
  const target = new URL(url)
  target.pathname = `/${name}`
  return target.toString()
}

/**
 * A fresh PostgreSQL database on the test server. `durableCommits` keeps PostgreSQL's
 * default, every commit waiting for the disk, as in production: what the benchmark
 * measures. Tests leave it off.
 */
export async function createPostgresDatabase({ durableCommits = false } = {}): Promise<TestDatabase> {
  // Only [a-z0-9_]: the name is written into the statement, which cannot take it as a parameter.
  const name = `achiever_test_${process.env.VITEST_POOL_ID ?? '0'}_${process.pid}_${randomBytes(6).toString('hex')}`
  await asAdmin(`create database ${name}`)
  // Commits need not wait for the disk here, as a SQLite file in the temporary directory
  // (memory, on most machines) doesn't: a test's point is what the server answers, and a
  // commit is still the server's once acknowledged, whatever happens to the service.
  if (!durableCommits) await asAdmin(`alter database ${name} set synchronous_commit = off`)
  return {
    url: withDatabase(adminUrl, name),
    // `with (force)` ends any connection a test left open (a server process it killed, say).
    drop: () => asAdmin(`drop database if exists ${name} with (force)`),
  }
}

function createSqliteDatabase(file: string): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'achiever-test-'))
  return {
    url: join(dir, file),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** A new empty database of this run's kind; `file` names the SQLite file in its own directory. */
export function createTestDatabase(file = 'test.sqlite'): Promise<TestDatabase> {
  return testDatabaseKind === 'postgres' ? createPostgresDatabase() : Promise.resolve(createSqliteDatabase(file))
}

/** How this run's database words a missing table, in the log of a broken server. */
export const missingTableMessage = testDatabaseKind === 'postgres' ? 'does not exist' : 'no such table'

/**
 * After rows were written with ids of the test's choosing: SQLite's AUTOINCREMENT goes on
 * past the largest id by itself, a PostgreSQL identity only from where it stood, so there
 * it is moved past them, and the service's next insert gets a fresh id as on SQLite.
 */
export async function idsChosenIn(db: Kysely<DatabaseSchema>, table: keyof DatabaseSchema & string): Promise<void> {
  if (testDatabaseKind !== 'postgres') return
  await sql`select setval(pg_get_serial_sequence(${table}, 'id'), (select max(id) from ${sql.table(table)}))`.execute(db)
}

/** A fresh database of this run's kind, opened and migrated, for tests of the layers under the server. */
export interface MigratedTestDatabase {
  readonly url: string
  readonly db: Database
  /** Closes the connection and drops the database. */
  close(): Promise<void>
}

export async function createMigratedTestDatabase(options?: DatabaseOptions): Promise<MigratedTestDatabase> {
  const database = await createTestDatabase()
  const db = openDatabase(database.url, options)
  await migrateToLatest(db)
  return {
    url: database.url,
    db,
    close: async () => {
      await db.destroy()
      await database.drop()
    },
  }
}
