/**
 * Prepared queries: compiled once, run with new values, and in every way the same as the
 * query builder they replace: the same SQL, the same rows, in transactions and through
 * plugins; with values only ever bound, never spliced in.
 */
import SQLite from 'better-sqlite3'
import {
  CamelCasePlugin,
  Kysely,
  type KyselyPlugin,
  NoResultError,
  OperationNodeTransformer,
  ParseJSONResultsPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  sql,
  type UnknownRow,
  ValueNode,
} from 'kysely'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { migrateToLatest, openDatabase, withStatementCache } from '../../src/db/connection.js'
import { type Placeholders, prepareQuery } from '../../src/db/prepared-query.js'
import type { Database, DatabaseSchema } from '../../src/db/schema.js'
import { LockWaitingSqliteDialect } from '../../src/db/sqlite-dialect.js'

const NOW = '2026-12-05T12:00:00.000Z'

type TaskKey = { userId: number; id: number }

const selectTaskQuery = prepareQuery((db, p: Placeholders<TaskKey>) => db.selectFrom('tasks').selectAll().where('user_id', '=', p('userId')).where('id', '=', p('id')))

const builtSelectTask = (db: Database, key: TaskKey) => db.selectFrom('tasks').selectAll().where('user_id', '=', key.userId).where('id', '=', key.id)

const insertTaskQuery = prepareQuery((db, p: Placeholders<{ userId: number; title: string; now: string }>) =>
  db
    .insertInto('tasks')
    .values({ user_id: p('userId'), title: p('title'), description: '', done: 0, created_at: p('now'), updated_at: p('now') })
    .returningAll(),
)

const deleteTaskQuery = prepareQuery((db, p: Placeholders<TaskKey>) => db.deleteFrom('tasks').where('user_id', '=', p('userId')).where('id', '=', p('id')))

async function addUser(db: Database, username: string): Promise<number> {
  const row = await db
    .insertInto('users')
    .values({ username, email: `${username}@example.com`, password_hash: 'x', created_at: NOW })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

let db: Database
let userId: number
let otherUserId: number

beforeAll(async () => {
  db = openDatabase(':memory:')
  await migrateToLatest(db)
  userId = await addUser(db, 'ada')
  otherUserId = await addUser(db, 'grace')
})
afterAll(() => db.destroy())

describe('a prepared select', () => {
  it('compiles to the SQL the builder compiles to, with ? for every value', () => {
    expect(selectTaskQuery.sql(db)).toBe(builtSelectTask(db, { userId: 1, id: 2 }).compile().sql)
    expect(selectTaskQuery.sql(db)).toBe('select * from "tasks" where "user_id" = ? and "id" = ?')
  })

  it('returns what the builder returns, for each new set of values', async () => {
    const mine = await insertTaskQuery.executeTakeFirstOrThrow(db, { userId, title: 'Mine', now: NOW })
    const theirs = await insertTaskQuery.executeTakeFirstOrThrow(db, { userId: otherUserId, title: 'Theirs', now: NOW })
    for (const key of [
      { userId, id: mine.id },
      { userId: otherUserId, id: theirs.id },
      { userId, id: theirs.id },
      { userId: otherUserId, id: mine.id },
    ]) {
      expect(await selectTaskQuery.executeTakeFirst(db, key)).toEqual(await builtSelectTask(db, key).executeTakeFirst())
    }
    expect(await selectTaskQuery.executeTakeFirst(db, { userId, id: theirs.id })).toBeUndefined()
    expect(await selectTaskQuery.executeTakeFirst(db, { userId, id: mine.id })).toMatchObject({ title: 'Mine', user_id: userId })
  })

  it('binds a value that looks like SQL as a value', async () => {
    const title = `x'); drop table tasks; --`
    const row = await insertTaskQuery.executeTakeFirstOrThrow(db, { userId, title, now: NOW })
    expect((await selectTaskQuery.executeTakeFirst(db, { userId, id: row.id }))?.title).toBe(title)
  })

  it('runs placeholders inside nested queries (a recursive CTE) in order', async () => {
    const chain = prepareQuery((db, p: Placeholders<{ userId: number; from: number; to: number }>) =>
      db
        .withRecursive('below(id)', (qb) =>
          qb
            .selectFrom('tasks')
            .select('id')
            .where('user_id', '=', p('userId'))
            .where('id', '=', p('from'))
            .unionAll((qb) => qb.selectFrom('below').select(sql<number>`id + 1`.as('id')).where('id', '<', p('to'))),
        )
        .selectFrom('below')
        .select('id'),
    )
    const { rows } = await chain.execute(db, { userId, from: 1, to: 4 })
    expect(rows.map((row) => row.id)).toEqual([1, 2, 3, 4])
  })
})

describe('a prepared insert or delete', () => {
  it('puts the same value wherever one name appears, and keeps constants', async () => {
    const row = await insertTaskQuery.executeTakeFirstOrThrow(db, { userId, title: 'Twice', now: '2026-01-01T00:00:00.000Z' })
    expect(row).toMatchObject({ title: 'Twice', description: '', done: 0 })
    expect(row.created_at).toBe('2026-01-01T00:00:00.000Z')
    expect(row.updated_at).toBe('2026-01-01T00:00:00.000Z')
  })

  it('reports the rows it affected', async () => {
    const row = await insertTaskQuery.executeTakeFirstOrThrow(db, { userId, title: 'Doomed', now: NOW })
    expect((await deleteTaskQuery.execute(db, { userId: otherUserId, id: row.id })).numAffectedRows).toBe(0n)
    expect((await deleteTaskQuery.execute(db, { userId, id: row.id })).numAffectedRows).toBe(1n)
    expect(await selectTaskQuery.executeTakeFirst(db, { userId, id: row.id })).toBeUndefined()
  })

  it('throws NoResultError from executeTakeFirstOrThrow when no row comes back', async () => {
    const update = prepareQuery((db, p: Placeholders<{ id: number }>) => db.updateTable('tasks').set({ done: 1 }).where('id', '=', p('id')).returningAll())
    await expect(update.executeTakeFirstOrThrow(db, { id: -1 })).rejects.toBeInstanceOf(NoResultError)
  })
})

describe('in a transaction', () => {
  it('runs on the transaction given: its writes roll back with it', async () => {
    let inside: number | undefined
    await expect(
      db.transaction().execute(async (trx) => {
        const row = await insertTaskQuery.executeTakeFirstOrThrow(trx, { userId, title: 'Rolled back', now: NOW })
        inside = row.id
        expect(await selectTaskQuery.executeTakeFirst(trx, { userId, id: row.id })).toMatchObject({ title: 'Rolled back' })
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')
    expect(inside).toBeDefined()
    expect(await selectTaskQuery.executeTakeFirst(db, { userId, id: inside ?? 0 })).toBeUndefined()
  })

  it('commits with it, and compiles once for the database and all its transactions', async () => {
    const compiled: string[] = []
    const counted = prepareQuery((db, p: Placeholders<{ id: number }>) => {
      compiled.push('compiled')
      return db.selectFrom('tasks').select('title').where('id', '=', p('id'))
    })
    const row = await db.transaction().execute(async (trx) => {
      const row = await insertTaskQuery.executeTakeFirstOrThrow(trx, { userId, title: 'Committed', now: NOW })
      expect(await counted.executeTakeFirst(trx, { id: row.id })).toEqual({ title: 'Committed' })
      return row
    })
    await db.transaction().execute(async (trx) => {
      expect(await counted.executeTakeFirst(trx, { id: row.id })).toEqual({ title: 'Committed' })
    })
    expect(await counted.executeTakeFirst(db, { id: row.id })).toEqual({ title: 'Committed' })
    expect(compiled).toHaveLength(1)
  })
})

describe('with plugins', () => {
  it('gives what the builder gives through CamelCasePlugin and ParseJSONResultsPlugin', async () => {
    const plugged = db.withPlugin(new CamelCasePlugin()).withPlugin(new ParseJSONResultsPlugin())
    await db
      .insertInto('idempotency_keys')
      .values({
        user_id: userId,
        key: 'k1',
        operation_id: 'createTask',
        request_hash: 'h',
        status: 201,
        location: null,
        body: '{"id":1,"tags":["a"]}',
        created_at: NOW,
      })
      .execute()
    const byKey = prepareQuery((db, p: Placeholders<{ userId: number; key: string }>) =>
      db.selectFrom('idempotency_keys').selectAll().where('user_id', '=', p('userId')).where('key', '=', p('key')),
    )
    const built = await plugged.selectFrom('idempotency_keys').selectAll().where('user_id', '=', userId).where('key', '=', 'k1').execute()
    const prepared = (await byKey.execute(plugged, { userId, key: 'k1' })).rows
    expect(prepared).toEqual(built)
    expect(prepared[0]).toMatchObject({ userId, operationId: 'createTask', body: { id: 1, tags: ['a'] } })
    // The same prepared query on the database without the plugins: compiled again, plain rows.
    expect((await byKey.execute(db, { userId, key: 'k1' })).rows[0]).toMatchObject({ user_id: userId, body: '{"id":1,"tags":["a"]}' })
  })

  it("runs every plugin's transformResult with the query's id, on every run", async () => {
    const seen: unknown[] = []
    const recording: KyselyPlugin = {
      transformQuery: ({ node }: PluginTransformQueryArgs): RootOperationNode => node,
      transformResult: async ({ result, queryId }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => {
        seen.push(queryId)
        return result
      },
    }
    const plugged = db.withPlugin(recording)
    await selectTaskQuery.execute(plugged, { userId, id: 1 })
    await selectTaskQuery.execute(plugged, { userId, id: 2 })
    expect(seen).toHaveLength(2)
    expect(seen[0]).toBeDefined()
    expect(seen[1]).toBe(seen[0])
  })

  it('refuses a plugin that turns a placeholder into text or a literal', () => {
    class Inlining extends OperationNodeTransformer {
      protected override transformValue(node: ValueNode): ValueNode {
        return ValueNode.createImmediate(node.value)
      }
    }
    const inliner = new Inlining()
    const inlining: KyselyPlugin = {
      transformQuery: ({ node }) => inliner.transformNode(node),
      transformResult: async ({ result }) => result,
    }
    const query = prepareQuery((db, p: Placeholders<{ id: number }>) => db.selectFrom('tasks').select('id').where('id', '=', p('id')))
    expect(() => query.sql(db.withPlugin(inlining))).toThrow(/placeholder for "id" was turned into text/)
  })
})

describe('placeholders are never values', () => {
  it('fails to compile a placeholder inspected while building', async () => {
    const inspected = prepareQuery((db, p: Placeholders<{ done: number }>) =>
      db
        .selectFrom('tasks')
        .select('id')
        .where('done', '=', p('done') ? 1 : 0),
    )
    await expect(inspected.execute(db, { done: 0 })).rejects.toThrow(/placeholder for "done" is not a parameter/)
  })

  it('fails to compile a placeholder spliced into the SQL as a literal', () => {
    const spliced = prepareQuery((db, p: Placeholders<{ title: string }>) =>
      db
        .selectFrom('tasks')
        .select('id')
        .where('title', '=', sql.lit(p('title'))),
    )
    expect(() => spliced.sql(db)).toThrow(/turned into text/)
  })

  it('fails to compile a placeholder that leaked from another prepared query', () => {
    let leaked: number | undefined
    const first = prepareQuery((db, p: Placeholders<{ id: number }>) => {
      leaked = p('id')
      return db.selectFrom('tasks').select('id').where('id', '=', leaked)
    })
    first.sql(db)
    const second = prepareQuery((db, _p: Placeholders<{ id: number }>) =>
      db
        .selectFrom('tasks')
        .select('id')
        .where('id', '=', leaked ?? 0),
    )
    expect(() => second.sql(db)).toThrow(/from another prepared query/)
  })

  it('fails to compile a placeholder that turns JSON', () => {
    const json = prepareQuery((db, p: Placeholders<{ title: string }>) =>
      db
        .selectFrom('tasks')
        .select('id')
        .where('title', '=', JSON.stringify({ title: p('title') })),
    )
    expect(() => json.sql(db)).toThrow(/turned into text/)
  })
})

describe('wrong or missing values', () => {
  it('are type errors', () => {
    expectTypeOf(selectTaskQuery.execute).parameter(1).toEqualTypeOf<TaskKey>()
    const check = (): void => {
      // @ts-expect-error: a value missing
      void selectTaskQuery.execute(db, { userId: 1 })
      // @ts-expect-error: a value of the wrong type
      void selectTaskQuery.execute(db, { userId: 1, id: '2' })
      // @ts-expect-error: a value the query does not take
      void selectTaskQuery.execute(db, { userId: 1, id: 2, title: 'x' })
      // @ts-expect-error: a placeholder the parameters do not name
      prepareQuery((db, p: Placeholders<{ id: number }>) => db.selectFrom('tasks').selectAll().where('id', '=', p('ID')))
      // @ts-expect-error: a placeholder of the wrong type for its column
      prepareQuery((db, p: Placeholders<{ id: string }>) => db.selectFrom('tasks').selectAll().where('done', '=', p('id')))
      // @ts-expect-error: a list is not a parameter value
      prepareQuery((db, p: Placeholders<{ ids: number[] }>) => db.selectFrom('tasks').selectAll().where('id', 'in', p('ids')))
    }
    expect(check).toBeTypeOf('function')
  })

  it('throw before the query runs', async () => {
    const missing = { userId } as unknown as TaskKey
    await expect(selectTaskQuery.execute(db, missing)).rejects.toThrow('missing the value of "id"')
    const extra = { userId, id: 1, owner: 2 } as TaskKey
    await expect(selectTaskQuery.execute(db, extra)).rejects.toThrow('the query takes no value named "owner"')
  })
})

describe('on the SQLite driver', () => {
  it('prepares each compiled SQL once, whatever the values, and logs each run', async () => {
    const sqlite = new SQLite(':memory:')
    const prepared: string[] = []
    const prepare = sqlite.prepare.bind(sqlite)
    sqlite.prepare = ((source: string) => {
      prepared.push(source)
      return prepare(source)
    }) as typeof sqlite.prepare
    const logged: string[] = []
    const own = new Kysely<DatabaseSchema>({
      dialect: new LockWaitingSqliteDialect({ database: withStatementCache(sqlite), busyTimeoutMs: 100 }),
      log: (event) => {
        logged.push(event.query.sql)
      },
    })
    try {
      await migrateToLatest(own)
      const owner = await addUser(own, 'lin')
      prepared.length = 0
      logged.length = 0
      for (let i = 0; i < 3; i++) await insertTaskQuery.execute(own, { userId: owner, title: `t${i}`, now: NOW })
      for (let id = 1; id <= 3; id++) expect(await selectTaskQuery.executeTakeFirst(own, { userId: owner, id })).toMatchObject({ id })
      expect(prepared).toEqual([insertTaskQuery.sql(own), selectTaskQuery.sql(own)])
      expect(logged).toHaveLength(6)
    } finally {
      await own.destroy()
    }
  })

  it('compiles for each database of its own, from the database it is given', async () => {
    const other = openDatabase(':memory:')
    try {
      await migrateToLatest(other)
      const owner = await addUser(other, 'solo')
      const row = await insertTaskQuery.executeTakeFirstOrThrow(other, { userId: owner, title: 'Elsewhere', now: NOW })
      expect(await selectTaskQuery.executeTakeFirst(other, { userId: owner, id: row.id })).toMatchObject({ title: 'Elsewhere' })
      // Kysely's executor, which prepared queries read the dialect and plugins from.
      expect(other.getExecutor().adapter).not.toBe(db.getExecutor().adapter)
    } finally {
      await other.destroy()
    }
  })
})
