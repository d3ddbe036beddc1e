import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { DatabaseConfigError, migrateToLatest, openDatabase, sqlitePath, withStatementCache } from '../../src/db/connection.js'

const dir = mkdtempSync(join(tmpdir(), 'achiever-db-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('sqlitePath', () => {
  it('accepts a path, a file: URL and :memory:', () => {
    expect(sqlitePath('data/a.sqlite')).toBe('data/a.sqlite')
    expect(sqlitePath('file:data/a.sqlite')).toBe('data/a.sqlite')
    expect(sqlitePath('file:///tmp/a.sqlite')).toBe('/tmp/a.sqlite')
    expect(sqlitePath(':memory:')).toBe(':memory:')
  })

  it('refuses a PostgreSQL URL: openDatabase opens those as PostgreSQL, never as a file', () => {
    expect(() => sqlitePath('postgres://u@h/db')).toThrow(DatabaseConfigError)
  })
})

describe('openDatabase', () => {
  it('creates the folder, and runs with WAL, synchronous=FULL, foreign keys and a 2 MiB page cache', async () => {
    const db = openDatabase(join(dir, 'nested', 'a.sqlite'))
    try {
      const pragma = async (name: string) => (await sql.raw(`pragma ${name}`).execute(db)).rows[0]
      expect(await pragma('journal_mode')).toEqual({ journal_mode: 'wal' })
      expect(await pragma('synchronous')).toEqual({ synchronous: 2 })
      expect(await pragma('foreign_keys')).toEqual({ foreign_keys: 1 })
      // Negative: KiB. better-sqlite3's build default is -16000, which grew the process (issue 10).
      expect(await pragma('cache_size')).toEqual({ cache_size: -2048 })
    } finally {
      await db.destroy()
    }
  })

  it('creates every missing folder above the file', async () => {
    const db = openDatabase(join(dir, 'deep', 'er', 'c.sqlite'))
    await db.destroy()
    expect(existsSync(join(dir, 'deep', 'er', 'c.sqlite'))).toBe(true)
  })

  // Node 20's recursive mkdir loops forever under /proc; the folders are made one at a time instead.
  it('fails at once, naming the path, where the folder cannot be made', () => {
    expect(() => openDatabase('/proc/nope/x.db')).toThrow(/^cannot open the SQLite database \/proc\/nope\/x\.db: .*'\/proc\/nope'/)
  })

  it('fails naming the path for a file that is not a database', () => {
    const path = join(dir, 'not-a-database.sqlite')
    writeFileSync(path, 'these are not the pages of a SQLite database, '.repeat(100))
    expect(() => openDatabase(path)).toThrow(new DatabaseConfigError(`cannot open the SQLite database ${path}: file is not a database`))
  })

  it('migrates a fresh database, and again without harm', async () => {
    const db = openDatabase(join(dir, 'b.sqlite'))
    try {
      await migrateToLatest(db)
      await migrateToLatest(db)
      const tables = await db.introspection.getTables()
      expect(tables.map((t) => t.name).sort()).toEqual(['goals', 'idempotency_keys', 'rate_limits', 'tasks', 'tokens', 'transactions', 'users'])
    } finally {
      await db.destroy()
    }
  })

  it('folds case beyond ASCII in lower()', async () => {
    const db = openDatabase(':memory:')
    try {
      const { rows } = await sql<{ v: string }>`select lower('ÉCOLE') as v`.execute(db)
      expect(rows[0]?.v).toBe('école')
    } finally {
      await db.destroy()
    }
  })
})

describe('withStatementCache', () => {
  it('prepares each SQL text once, and evicts the least recently used beyond its size', async () => {
    const SQLite = (await import('better-sqlite3')).default
    const sqlite = new SQLite(':memory:')
    const prepared: string[] = []
    const prepare = sqlite.prepare.bind(sqlite)
    sqlite.prepare = ((source: string) => {
      prepared.push(source)
      return prepare(source)
    }) as typeof sqlite.prepare
    const cached = withStatementCache(sqlite, 2)

    expect(cached.prepare('select 1').all([])).toEqual([{ 1: 1 }])
    cached.prepare('select 1')
    cached.prepare('select 2')
    cached.prepare('select 1')
    cached.prepare('select 3') // evicts "select 2", the least recently used
    cached.prepare('select 1')
    cached.prepare('select 2')
    expect(prepared).toEqual(['select 1', 'select 2', 'select 3', 'select 2'])
    cached.close()
    expect(sqlite.open).toBe(false)
  })
})
