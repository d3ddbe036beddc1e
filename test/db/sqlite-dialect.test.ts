/**
 * Another process holding SQLite's write lock: a write waits for it without stopping the
 * server, and past DATABASE_BUSY_TIMEOUT_MS gets a 503 with nothing written. The other
 * process is a second connection to the same file (SQLite locks it the same way).
 */
import SQLite from 'better-sqlite3'
import { CompiledQuery, type Generated, Kysely, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LockWaitingSqliteDialect } from '../../src/db/sqlite-dialect.js'
import type { ApiResponse } from '../support/client.js'
import { expectProblem } from '../support/expect.js'
import { TASKS } from '../support/paths.js'
import { type Problem, signUp, startTestServer, type Task, type TestServer, type TestUser } from '../support/server.js'

/** Another writer on the server's database file, holding the write lock until `release()`. */
function holdWriteLock(file: string): { release(): void } {
  const other = new SQLite(file)
  other.exec('begin immediate')
  return {
    release() {
      other.exec('rollback')
      other.close()
    },
  }
}

async function titlesOf(server: TestServer, me: TestUser): Promise<string[]> {
  const rows = await server.db.selectFrom('tasks').select('title').where('user_id', '=', me.id).orderBy('id').execute()
  return rows.map((row) => row.title)
}

describe('a write lock held by another process, shorter than the wait', () => {
  let server: TestServer
  // Far longer than any test here needs: these writes must wait, not time out.
  beforeAll(async () => {
    server = await startTestServer({ databaseBusyTimeoutMs: 120_000 })
  })
  afterAll(() => server.close())

  it('POST waits for the lock while reads and /healthz are answered, then 201', async () => {
    const me = await signUp(server.api)
    const existing = await server.api.post<Task>(TASKS, { auth: me.bearer, json: { title: 'Before the lock' } })
    expect(existing.status).toBe(201)

    const lock = holdWriteLock(server.config.databaseUrl)
    let answered = false
    const write = server.api.post<Task>(TASKS, { auth: me.bearer, json: { title: 'Behind the lock' } }).finally(() => {
      answered = true
    })
    try {
      expect((await server.api.get('/healthz')).status).toBe(200)
      const read = await server.api.get<Task>(`${TASKS}/${existing.body.id}`, { auth: me.bearer })
      expect(read.status).toBe(200)
      expect(read.body.title).toBe('Before the lock')
      expect(answered).toBe(false)
    } finally {
      lock.release()
    }
    const written = await write
    expect(written.status).toBe(201)
    expect(await titlesOf(server, me)).toEqual(['Before the lock', 'Behind the lock'])
  })
})

describe('a write lock held by another process past DATABASE_BUSY_TIMEOUT_MS', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ databaseBusyTimeoutMs: 200 })
  })
  afterAll(() => server.close())

  it('POST -> 503 SERVICE_UNAVAILABLE with Retry-After, nothing written; after the lock, the same request -> 201', async () => {
    const me = await signUp(server.api)
    const lock = holdWriteLock(server.config.databaseUrl)
    let plain: ApiResponse<Problem>
    let keyed: ApiResponse<Problem>
    try {
      plain = await server.api.post<Problem>(TASKS, { auth: me.bearer, json: { title: 'Plain' } })
      // With a key the create runs in a transaction: its `begin immediate` is what waits.
      keyed = await server.api.post<Problem>(TASKS, { auth: me.bearer, json: { title: 'Keyed' }, headers: { 'Idempotency-Key': 'busy-1' } })
    } finally {
      lock.release()
    }
    for (const res of [plain, keyed]) {
      expectProblem(res, 503, 'SERVICE_UNAVAILABLE')
      expect(res.headers.get('retry-after')).toBe('1')
      expect(res.body.detail).toMatch(/database is busy/)
    }
    expect(await titlesOf(server, me)).toEqual([])

    const retried = await server.api.post<Task>(TASKS, { auth: me.bearer, json: { title: 'Keyed' }, headers: { 'Idempotency-Key': 'busy-1' } })
    expect(retried.status).toBe(201)
    expect(retried.headers.get('idempotent-replayed')).toBeNull()
    expect(await titlesOf(server, me)).toEqual(['Keyed'])
  })

  it('a registration (scrypt, then the insert) -> 503 as well, and no account', async () => {
    const lock = holdWriteLock(server.config.databaseUrl)
    let res: ApiResponse<Problem>
    try {
      res = await server.api.post<Problem>('/api/v1/users', { json: { username: 'locked-out', email: 'locked-out@example.com', password: 'long-enough-pw' } })
    } finally {
      lock.release()
    }
    expectProblem(res, 503, 'SERVICE_UNAVAILABLE')
    const accounts = await server.db.selectFrom('users').select('id').where('username', '=', 'locked-out').execute()
    expect(accounts).toEqual([])
  })
})

describe('the driver: one connection, handed to one caller at a time', () => {
  function openDriver() {
    const sqlite = new SQLite(':memory:')
    sqlite.exec('create table notes (id integer primary key, body text not null)')
    const driver = new LockWaitingSqliteDialect({ database: sqlite, busyTimeoutMs: 1000 }).createDriver()
    return { sqlite, driver }
  }

  it('hands a free connection over as the same settled promise each time: no promise made per query', async () => {
    const { sqlite, driver } = openDriver()
    await driver.init()
    const first = driver.acquireConnection()
    await driver.releaseConnection(await first)
    const second = driver.acquireConnection()
    expect(second).toBe(first)
    await driver.releaseConnection(await second)
    sqlite.close()
  })

  it('callers that find it taken get it in the order they asked, each after the previous released it', async () => {
    const { sqlite, driver } = openDriver()
    await driver.init()
    const holder = await driver.acquireConnection()
    const served: number[] = []
    const waiters = [1, 2, 3].map((n) =>
      driver.acquireConnection().then(async (connection) => {
        served.push(n)
        await connection.executeQuery(CompiledQuery.raw('select 1'))
        await driver.releaseConnection(connection)
      }),
    )
    await new Promise((resolve) => setImmediate(resolve))
    expect(served).toEqual([])
    await driver.releaseConnection(holder)
    await Promise.all(waiters)
    expect(served).toEqual([1, 2, 3])
    sqlite.close()
  })

  it('answers writes with the rows changed and the new rowid, reads with their rows, and streams selects', async () => {
    const sqlite = new SQLite(':memory:')
    sqlite.exec('create table notes (id integer primary key, body text not null)')
    const db = new Kysely<{ notes: { id: Generated<number>; body: string } }>({
      dialect: new LockWaitingSqliteDialect({ database: sqlite, busyTimeoutMs: 1000 }),
    })
    const inserted = await db
      .insertInto('notes')
      .values([{ body: 'one' }, { body: 'two' }])
      .executeTakeFirstOrThrow()
    expect(inserted).toMatchObject({ numInsertedOrUpdatedRows: 2n, insertId: 2n })
    expect(await db.selectFrom('notes').select('body').orderBy('id').execute()).toEqual([{ body: 'one' }, { body: 'two' }])
    const streamed: string[] = []
    for await (const row of db.selectFrom('notes').select('body').orderBy('id').stream()) streamed.push(row.body)
    expect(streamed).toEqual(['one', 'two'])
    await expect(sql`insert into nowhere values (1)`.execute(db)).rejects.toThrow(/no such table/)
    // A failed statement released the connection like any other.
    expect(await db.selectFrom('notes').select('id').where('body', '=', 'two').executeTakeFirst()).toEqual({ id: 2 })
    await db.destroy()
  })
})

describe('the driver: onCreateConnection', () => {
  it('runs holding the connection, and leaves it free for the first query', async () => {
    const sqlite = new SQLite(':memory:')
    const db = new Kysely<{ notes: { id: Generated<number>; body: string } }>({
      dialect: new LockWaitingSqliteDialect({
        database: sqlite,
        busyTimeoutMs: 1000,
        onCreateConnection: async (connection) => {
          await connection.executeQuery(CompiledQuery.raw('create table notes (id integer primary key, body text not null)'))
        },
      }),
    })
    await db.insertInto('notes').values({ body: 'after the hook' }).execute()
    expect(await db.selectFrom('notes').select('body').execute()).toEqual([{ body: 'after the hook' }])
    await db.destroy()
  })
})
