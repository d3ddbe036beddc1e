/**
 * Opens the database: by default a SQLite file through better-sqlite3, with the pragmas
 * that make it durable and correct, checked rather than assumed; or, for a `postgres://`
 * URL, a PostgreSQL pool (postgres.ts).
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import SQLite from 'better-sqlite3'
import { Kysely, type LogEvent, Migrator, type SqliteDatabase, type SqliteStatement } from 'kysely'
import { type AppConfig, databaseDialect, defaultConfig } from '../config.js'
import { createDirectoriesFor } from './directories.js'
import { migrationProvider } from './migrations/index.js'
import { openPostgres, type PoolOptions } from './postgres.js'
import type { Database, DatabaseSchema } from './schema.js'
import { BUSY_WAIT_PER_ATTEMPT_MS, LockWaitingSqliteDialect } from './sqlite-dialect.js'

export class DatabaseConfigError extends Error {}

/** `data/x.sqlite`, `file:data/x.sqlite`, `file:///abs/x.sqlite` or `:memory:` to a path. */
export function sqlitePath(databaseUrl: string): string {
  if (databaseUrl === ':memory:' || databaseUrl === 'sqlite::memory:') return ':memory:'
  if (databaseDialect(databaseUrl) === 'postgres') throw new DatabaseConfigError(`${databaseUrl} is a PostgreSQL URL, not a SQLite file`)
  if (databaseUrl.startsWith('file://')) return fileURLToPath(databaseUrl)
  if (databaseUrl.startsWith('file:')) return databaseUrl.slice('file:'.length)
  if (databaseUrl.startsWith('sqlite:')) return databaseUrl.slice('sqlite:'.length)
  return databaseUrl
}

/** SQLite's page cache per connection, in KiB (a negative `cache_size` is KiB, not pages). */
const PAGE_CACHE_KIB = 2048

function configure(sqlite: SQLite.Database): void {
  // WAL lets readers run beside the writer; FULL makes every acknowledged commit
  // survive power loss, not only a process crash.
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma(`busy_timeout = ${BUSY_WAIT_PER_ATTEMPT_MS}`)
  // better-sqlite3 builds SQLite with a 16 MiB page cache; as it fills, the process grew
  // by 12 MiB over two minutes of load (issue 10, item 7: memory must not grow). Pages
  // past this come from the kernel's file cache, which every process shares.
  sqlite.pragma(`cache_size = -${PAGE_CACHE_KIB}`)
  // SQLite's own lower() folds ASCII only; filters must ignore case in any script.
  sqlite.function('lower', { deterministic: true }, (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value))

  const memory = sqlite.memory
  const checks: Array<[string, unknown, unknown]> = [
    ['journal_mode', sqlite.pragma('journal_mode', { simple: true }), memory ? 'memory' : 'wal'],
    ['synchronous', sqlite.pragma('synchronous', { simple: true }), 2],
    ['foreign_keys', sqlite.pragma('foreign_keys', { simple: true }), 1],
    ['cache_size', sqlite.pragma('cache_size', { simple: true }), -PAGE_CACHE_KIB],
  ]
  for (const [name, actual, expected] of checks) {
    if (actual !== expected) throw new DatabaseConfigError(`SQLite ${name} is ${String(actual)}, expected ${String(expected)}`)
  }
}

/** Enough for every distinct statement the app builds, with room for the future. */
const STATEMENT_CACHE_SIZE = 500

/**
 * Kysely prepares every query afresh, and preparing costs SQLite more than running a
 * small query does. Reusing prepared statements by their SQL text is safe here: each
 * runs to completion synchronously before the next one starts.
 */
export function withStatementCache(sqlite: SQLite.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>()
  return {
    close: () => {
      statements.clear()
      sqlite.close()
    },
    prepare: (sql) => {
      let statement = statements.get(sql)
      if (statement) {
        // Refresh its place, so the least recently used statement is evicted first.
        statements.delete(sql)
      } else {
        statement = sqlite.prepare(sql)
        if (statements.size >= size) statements.delete(statements.keys().next().value as string)
      }
      statements.set(sql, statement)
      return statement
    },
  }
}

export interface DatabaseOptions {
  /** SQLite: how long a write may wait for another process's write lock before it fails with a 503. */
  readonly busyTimeoutMs?: number
  /** PostgreSQL: the connection pool's size and timeouts. */
  readonly pool?: PoolOptions
  /** Called with every query Kysely runs: how tests count the queries a request costs. */
  readonly onQuery?: (sql: string) => void
}

/**
 * Opens and configures the SQLite file; a file that cannot be created, opened or written,
 * or is not a database, fails here with its absolute path named (SQLite's own messages,
 * "unable to open database file", name none).
 */
function openSqlite(path: string): SQLite.Database {
  let sqlite: SQLite.Database | undefined
  try {
    if (path !== ':memory:') createDirectoriesFor(path)
    sqlite = new SQLite(path)
    configure(sqlite)
    return sqlite
  } catch (error) {
    sqlite?.close()
    const reason = error instanceof Error ? error.message : String(error)
    throw new DatabaseConfigError(`cannot open the SQLite database ${path === ':memory:' ? path : resolve(path)}: ${reason}`, { cause: error })
  }
}

/** The options `config` sets: the SQLite lock wait and the PostgreSQL pool. */
export function databaseOptions(config: AppConfig): DatabaseOptions & { readonly pool: PoolOptions } {
  return {
    busyTimeoutMs: config.databaseBusyTimeoutMs,
    pool: {
      size: config.databasePoolSize,
      connectTimeoutMs: config.databaseConnectTimeoutMs,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
    },
  }
}

export function openDatabase(databaseUrl: string, options: DatabaseOptions = {}): Database {
  if (databaseDialect(databaseUrl) === 'postgres') {
    const { pool = databaseOptions(defaultConfig).pool, onQuery } = options
    return openPostgres(databaseUrl, pool, onQuery)
  }
  const sqlite = openSqlite(sqlitePath(databaseUrl))
  const { onQuery, busyTimeoutMs = defaultConfig.databaseBusyTimeoutMs } = options
  return new Kysely<DatabaseSchema>({
    dialect: new LockWaitingSqliteDialect({ database: withStatementCache(sqlite), busyTimeoutMs }),
    ...(onQuery ? { log: (event: LogEvent) => onQuery(event.query.sql) } : {}),
  })
}

/**
 * Brings the schema up to date; throws (and so stops start-up) if any migration fails.
 * On PostgreSQL, Kysely's migrator holds an advisory lock for the whole run, so replicas
 * starting at once migrate one after another: the first does the work, the others find
 * nothing left to do (test/db/postgres.test.ts).
 */
export async function migrateToLatest(db: Database): Promise<void> {
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown'
    throw new Error(`migration ${failed} failed`, { cause: error })
  }
}
