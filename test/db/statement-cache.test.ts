/**
 * The SQLite statement cache: one prepare per SQL text, bounded, and a cached statement
 * still right after the schema under it changes.
 */
import Sqlite from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { StatementCache } from '../../src/db/statement-cache.js'

describe('StatementCache', () => {
  const opened: Sqlite.Database[] = []
  afterEach(() => {
    for (const database of opened.splice(0)) database.close()
  })

  function counted() {
    const database = new Sqlite(':memory:')
    opened.push(database)
    database.exec('create table t (id integer primary key, name text)')
    let prepares = 0
    const counting = {
      prepare(sql: string) {
        prepares++
        return database.prepare(sql)
      },
      close: () => database.close(),
    }
    return { database, counting, prepares: () => prepares }
  }

  it('prepares a SQL text once and hands back the same statement after', () => {
    const { counting, prepares } = counted()
    const cache = new StatementCache(counting)
    const first = cache.prepare('select * from t where id = ?')
    const second = cache.prepare('select * from t where id = ?')
    expect(second).toBe(first)
    expect(prepares()).toBe(1)
    cache.prepare('select * from t where name = ?')
    expect(prepares()).toBe(2)
  })

  it('keeps at most its capacity, dropping the oldest first', () => {
    const { counting, prepares } = counted()
    const cache = new StatementCache(counting, 2)
    cache.prepare('select 1')
    cache.prepare('select 2')
    cache.prepare('select 3')
    expect(cache.size).toBe(2)
    cache.prepare('select 3')
    cache.prepare('select 2')
    expect(prepares()).toBe(3)
    cache.prepare('select 1')
    expect(prepares()).toBe(4)
  })

  it('runs a cached statement against the schema as it is now', () => {
    const { database, counting } = counted()
    const cache = new StatementCache(counting)
    database.prepare('insert into t (name) values (?)').run('before')
    expect(cache.prepare('select * from t').all([])).toEqual([{ id: 1, name: 'before' }])
    database.exec('alter table t add column done integer not null default 0')
    expect(cache.prepare('select * from t').all([])).toEqual([{ id: 1, name: 'before', done: 0 }])
  })
})
