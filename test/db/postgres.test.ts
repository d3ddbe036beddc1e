/**
 * PostgreSQL and SQLite hold the same schema and answer the same: run in the PostgreSQL
 * pass only (`TEST_DATABASE=postgres`, test/vitest.config.ts), each case on a fresh
 * database of each kind. The HTTP suite, run in both passes, shows the API is the same;
 * this shows what lies below it: migrations under concurrent start-up, exact integers,
 * the email and title rules, cascades and the goal-cycle trigger.
 */
import { CompiledQuery, type Kysely, type MigrationProvider, Migrator, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateToLatest, openDatabase } from '../../src/db/connection.js'
import { unicodeLower } from '../../src/db/dialect-specific.js'
import { isTriggerAbort, isUniqueViolation } from '../../src/db/errors.js'
import { migrationProvider } from '../../src/db/migrations/index.js'
import { UnsafeIntegerError } from '../../src/db/postgres.js'
import { type Placeholders, prepareQuery } from '../../src/db/prepared-query.js'
import type { Database } from '../../src/db/schema.js'
import { ServiceUnavailableError } from '../../src/errors.js'
import { taskListQuery } from '../../src/tasks/tasks.repository.js'
import { createTestDatabase, type TestDatabase } from '../support/database.js'

const NOW = '2026-12-05T12:00:00.000Z'

interface Opened {
  readonly kind: 'sqlite' | 'postgres'
  readonly db: Database
}

const databases: TestDatabase[] = []
const opened: Database[] = []

async function freshPostgres(): Promise<{ url: string }> {
  const database = await createTestDatabase()
  databases.push(database)
  return database
}

/** A migrated database of each kind. */
async function both(): Promise<Opened[]> {
  const postgres = openDatabase((await freshPostgres()).url)
  const sqlite = openDatabase(':memory:')
  opened.push(postgres, sqlite)
  await Promise.all([migrateToLatest(postgres), migrateToLatest(sqlite)])
  return [
    { kind: 'sqlite', db: sqlite },
    { kind: 'postgres', db: postgres },
  ]
}

afterAll(async () => {
  await Promise.all(opened.map((db) => db.destroy()))
  await Promise.all(databases.map((database) => database.drop()))
})

async function addUser(db: Database, username: string, email = `${username}@example.com`): Promise<number> {
  const row = await db.insertInto('users').values({ username, email, password_hash: 'x', created_at: NOW }).returning('id').executeTakeFirstOrThrow()
  return row.id
}

async function refusal(write: Promise<unknown>): Promise<unknown> {
  return write.then(
    () => undefined,
    (error: unknown) => error,
  )
}

describe('migrations on PostgreSQL', () => {
  it('three replicas starting at once on an empty database: all start, each migration ran exactly once', { timeout: 30_000 }, async () => {
    const { url } = await freshPostgres()
    const replicas = [openDatabase(url), openDatabase(url), openDatabase(url)]
    opened.push(...replicas)
    // Each migration's `up` counts its runs: the migrations table alone could not tell
    // (its name is its primary key, so a second run would fail there or go unseen).
    const runs = new Map<string, number>()
    const real = await migrationProvider.getMigrations()
    const counting: MigrationProvider = {
      getMigrations: async () =>
        Object.fromEntries(
          Object.entries(real).map(([name, migration]) => [
            name,
            {
              ...migration,
              up: async (db: Kysely<unknown>) => {
                runs.set(name, (runs.get(name) ?? 0) + 1)
                await migration.up(db)
              },
            },
          ]),
        ),
    }
    const outcomes = await Promise.all(replicas.map((db) => new Migrator({ db, provider: counting }).migrateToLatest()))
    expect(outcomes.map((outcome) => outcome.error)).toEqual([undefined, undefined, undefined])
    expect([...runs.keys()].sort()).toEqual(Object.keys(real).sort())
    expect([...runs.values()].every((count) => count === 1)).toBe(true)
    const [first] = replicas
    if (!first) throw new Error('no replica')
    const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(first)
    expect(rows.map((row) => row.name)).toEqual([
      '0001_users_and_tokens',
      '0002_tasks',
      '0003_goals',
      '0004_transactions',
      '0005_idempotency_keys',
      '0006_idempotency_key_operation',
      '0007_list_keyset_indexes',
      '0008_rate_limits',
    ])
    // And migrateToLatest, as start-up runs it, finds nothing left to do.
    await migrateToLatest(first)
  })

  it('make the schema SQLite has: the same tables, columns, nullability and defaults', async () => {
    const [sqlite, postgres] = await both()
    const shape = async ({ db }: Opened) =>
      (await db.introspection.getTables())
        .map((table) => ({
          table: table.name,
          columns: table.columns
            .map((column) =>
              // SQLite calls its rowid alias nullable, though it never is: a generated id is that alone.
              column.isAutoIncrementing
                ? `${column.name} generated`
                : `${column.name} ${column.isNullable ? 'null' : 'not null'}${column.hasDefaultValue ? ' default' : ''}`,
            )
            .sort(),
        }))
        .sort((a, b) => a.table.localeCompare(b.table))
    if (!sqlite || !postgres) throw new Error('no databases')
    const expected = await shape(sqlite)
    expect(expected.map((table) => table.table)).toEqual(['goals', 'idempotency_keys', 'rate_limits', 'tasks', 'tokens', 'transactions', 'users'])
    expect(await shape(postgres)).toEqual(expected)
  })
})

describe('integers on PostgreSQL', () => {
  it('come back as exact numbers up to 2^53 - 1, and are refused beyond it rather than rounded', async () => {
    const db = openDatabase((await freshPostgres()).url)
    opened.push(db)
    const { rows } = await sql<{ n: number; total: number }>`select cast(9007199254740991 as bigint) as n, count(*) as total from (values (1), (2)) v`.execute(db)
    expect(rows).toEqual([{ n: 9007199254740991, total: 2 }])
    await expect(sql`select cast(9007199254740992 as bigint) as n`.execute(db)).rejects.toThrow(UnsafeIntegerError)
    // The pool goes on serving after a refused row.
    expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }])
  })

  it('a statement past the statement timeout is cancelled: a 503, with what PostgreSQL said as its cause', async () => {
    const db = openDatabase((await freshPostgres()).url, { pool: { size: 1, connectTimeoutMs: 5_000, statementTimeoutMs: 50 } })
    opened.push(db)
    const cancelled = await refusal(sql`select pg_sleep(5)`.execute(db))
    expect(cancelled).toBeInstanceOf(ServiceUnavailableError)
    expect(cancelled).toMatchObject({ status: 503, headers: { 'Retry-After': '1' }, cause: { code: '57014' } })
  })
})

describe('the same rules on both databases', () => {
  let kinds: Opened[]
  beforeAll(async () => {
    kinds = await both()
  })

  const selectTaskQuery = prepareQuery((db, p: Placeholders<{ userId: number; id: number }>) =>
    db.selectFrom('tasks').selectAll().where('user_id', '=', p('userId')).where('id', '=', p('id')),
  )

  it("a prepared query compiles once per dialect, with each one's placeholders", async () => {
    const sqls = Object.fromEntries(kinds.map(({ kind, db }) => [kind, selectTaskQuery.sql(db)]))
    expect(sqls.sqlite).toBe('select * from "tasks" where "user_id" = ? and "id" = ?')
    expect(sqls.postgres).toBe('select * from "tasks" where "user_id" = $1 and "id" = $2')
    for (const { db } of kinds) {
      const userId = await addUser(db, 'prepared')
      const task = await db
        .insertInto('tasks')
        .values({ user_id: userId, title: 'T', description: '', done: 1, created_at: NOW, updated_at: NOW })
        .returningAll()
        .executeTakeFirstOrThrow()
      expect(await selectTaskQuery.executeTakeFirst(db, { userId, id: task.id })).toEqual(task)
      expect(task).toMatchObject({ user_id: userId, done: 1, created_at: NOW })
    }
  })

  it("an email is taken whatever the case of its ASCII letters, and only of those (SQLite's NOCASE)", async () => {
    for (const { kind, db } of kinds) {
      await addUser(db, `mail-${kind}-1`, 'Mixed.Case@Example.com')
      const error = await refusal(addUser(db, `mail-${kind}-2`, 'mixed.case@EXAMPLE.COM'))
      expect(isUniqueViolation(error, 'users', 'email'), `${kind}: ${String(error)}`).toBe(true)
      await addUser(db, `mail-${kind}-3`, 'Ärger@example.com')
      await expect(addUser(db, `mail-${kind}-4`, 'ärger@example.com'), kind).resolves.toBeTypeOf('number')
      const nameTaken = await refusal(addUser(db, `mail-${kind}-1`, 'other@example.com'))
      expect(isUniqueViolation(nameTaken, 'users', 'username'), kind).toBe(true)
      expect(isUniqueViolation(nameTaken, 'users', 'email'), kind).toBe(false)
    }
  })

  it('titles lower as JavaScript does and sort by code point', async () => {
    const titles = ['İstanbul', 'ΑΣ ΟΔΟΣ', 'Straße', 'STRASSE', 'ǅemal', 'zebra', 'Zebra', 'a b', 'ab', 'Ångström', '日本', 'émile', 'Emile']
    // All in the BMP, where JavaScript's code-unit order is code-point order.
    const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
    const results = []
    for (const { kind, db } of kinds) {
      const userId = await addUser(db, `titles-${kind}`)
      await db
        .insertInto('tasks')
        .values(titles.map((title) => ({ user_id: userId, title, description: '', done: 0, created_at: NOW, updated_at: NOW })))
        .execute()
      const lowered = await db
        .selectFrom('tasks')
        .select((eb) => ['title', unicodeLower(db, eb.ref('title')).as('lowered')])
        .where('user_id', '=', userId)
        .execute()
      for (const { title, lowered: actual } of lowered) expect(actual, `${kind}: ${title}`).toBe(title.toLowerCase())
      const sorted = await taskListQuery(db, userId, {}, 'title', { limit: 100, offset: 0 }).execute()
      results.push(sorted.map((task) => task.title))
      const found = await taskListQuery(db, userId, { titleContains: 'STR' }, 'title', { limit: 100, offset: 0 }).execute()
      expect(
        found.map((task) => task.title),
        kind,
      ).toEqual(['STRASSE', 'Straße', 'Ångström'])
    }
    const expected = [...titles].sort((a, b) => byCodePoint(a.toLowerCase(), b.toLowerCase()))
    expect(results[0]?.map((title) => title.toLowerCase())).toEqual(expected.map((title) => title.toLowerCase()))
    expect(results[1]).toEqual(results[0])
  })

  it('the keyset query of the title order reads the (user_id, lowered title, id) index on PostgreSQL too', async () => {
    const postgres = kinds.find(({ kind }) => kind === 'postgres')?.db
    if (!postgres) throw new Error('no PostgreSQL')
    const query = taskListQuery(postgres, 1, {}, 'title', { limit: 21, after: { key: 'Some Title', id: 500 } }).compile()
    const plan = await postgres.transaction().execute(async (trx) => {
      // A near-empty table is read fastest whole: ask for the plan an index would give.
      await sql`set local enable_seqscan = off`.execute(trx)
      const { rows } = await trx.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${query.sql}`, [...query.parameters]))
      return rows.map((row) => row['QUERY PLAN']).join('\n')
    })
    expect(plan).toMatch(/Index Scan using tasks_user_title/)
    expect(plan).not.toMatch(/Sort/)
  })

  it('text with U+0000 and U+0001 goes in and comes out as sent, in code-point order, and is found by its words', async () => {
    const titles = ['a\u0000b', 'a\u0001b', 'a', 'a\u0002', '\u0000', '\u0001\u0001\u0000', 'A\u0000Z']
    const results = []
    for (const { kind, db } of kinds) {
      const userId = await addUser(db, `nul-${kind}`)
      for (const title of titles) {
        const row = await db
          .insertInto('tasks')
          .values({ user_id: userId, title, description: title, done: 0, created_at: NOW, updated_at: NOW })
          .returningAll()
          .executeTakeFirstOrThrow()
        expect(row, kind).toMatchObject({ title, description: title })
      }
      const sorted = await taskListQuery(db, userId, {}, 'title', { limit: 100, offset: 0 }).execute()
      results.push(sorted.map((task) => task.title))
      const found = await taskListQuery(db, userId, { titleContains: 'A\u0001' }, 'title', { limit: 100, offset: 0 }).execute()
      expect(
        found.map((task) => task.title),
        kind,
      ).toEqual(['a\u0001b'])
      const exact = await db.selectFrom('tasks').select('title').where('user_id', '=', userId).where('title', '=', 'a\u0000b').execute()
      expect(exact, kind).toEqual([{ title: 'a\u0000b' }])
    }
    expect(results[0]).toEqual(['\u0000', '\u0001\u0001\u0000', 'a', 'a\u0000b', 'A\u0000Z', 'a\u0001b', 'a\u0002'])
    expect(results[1]).toEqual(results[0])
  })

  it('deleting a user deletes everything of theirs (cascades)', async () => {
    for (const { kind, db } of kinds) {
      const userId = await addUser(db, `leaving-${kind}`)
      await db
        .insertInto('tokens')
        .values({ user_id: userId, token_hash: `h-${kind}`, created_at: NOW, expires_at: NOW })
        .execute()
      await db.insertInto('tasks').values({ user_id: userId, title: 't', description: '', done: 0, created_at: NOW, updated_at: NOW }).execute()
      await db
        .insertInto('goals')
        .values({ user_id: userId, parent_id: null, name: 'g', description: '', start: NOW, end: null, created_at: NOW, updated_at: NOW })
        .execute()
      await db.insertInto('transactions').values({ user_id: userId, type: 'income', description: 'd', amount_cents: 100_000_000_000, created_at: NOW }).execute()
      await db
        .insertInto('idempotency_keys')
        .values({ user_id: userId, key: 'k', operation_id: 'createTask', request_hash: 'h', status: 201, location: null, body: '{}', created_at: NOW })
        .execute()
      const money = await db.selectFrom('transactions').select('amount_cents').where('user_id', '=', userId).executeTakeFirstOrThrow()
      expect(money.amount_cents, kind).toBe(100_000_000_000)
      await db.deleteFrom('users').where('id', '=', userId).execute()
      for (const table of ['tokens', 'tasks', 'goals', 'transactions', 'idempotency_keys'] as const) {
        const left = await db.selectFrom(table).select('user_id').where('user_id', '=', userId).execute()
        expect(left, `${kind}: ${table}`).toEqual([])
      }
    }
  })

  it('a goal can never become its own ancestor, whatever writes the row (the trigger)', async () => {
    for (const { kind, db } of kinds) {
      const userId = await addUser(db, `tree-${kind}`)
      const goal = (name: string, parentId: number | null) =>
        db
          .insertInto('goals')
          .values({ user_id: userId, parent_id: parentId, name, description: '', start: NOW, end: null, created_at: NOW, updated_at: NOW })
          .returning('id')
          .executeTakeFirstOrThrow()
      const root = await goal('root', null)
      const child = await goal('child', root.id)
      const grandchild = await goal('grandchild', child.id)
      const error = await refusal(db.updateTable('goals').set({ parent_id: grandchild.id }).where('id', '=', root.id).execute())
      expect(isTriggerAbort(error, 'goal cycle'), `${kind}: ${String(error)}`).toBe(true)
    }
  })
})
